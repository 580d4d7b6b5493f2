// Building DOM nodes: every string becomes a text node or an attribute value, never markup.

/** h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function money(value) {
  if (value === null || value === undefined) return '—';
  const n = Number(value);
  return Number.isFinite(n) ? `$${n.toFixed(n !== 0 && Math.abs(n) < 1 ? 4 : 2)}` : '—';
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export function words(value) {
  return String(value ?? '—').replaceAll('_', ' ');
}

/** A message for the person: `role=alert` so screen readers announce it. */
export function problem(error, advice) {
  const text = error && error.message ? error.message : String(error);
  return h('p', {class: 'error', role: 'alert'}, text, advice ? ` ${advice}` : '');
}

export function empty(text) {
  return h('p', {class: 'empty'}, text);
}

/** Calls `fn` once after a burst of calls settles (one reload for many events). */
export function debounce(fn, ms = 150) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
