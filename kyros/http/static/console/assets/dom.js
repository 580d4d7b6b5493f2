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

/** Re-reads for events without spending the caller's rate limit (1,000 requests an hour by
 * default): the first event reads at once, later ones in the next `ms` make one read at its end,
 * with the newest position. At most one read per `ms` however busy the log is. */
export function throttle(fn, ms = 4000) {
  let timer = null;
  let last = 0;
  let pending = null;
  const run = () => {
    timer = null;
    last = Date.now();
    const args = pending;
    pending = null;
    fn(...args);
  };
  return (...args) => {
    pending = args;
    if (timer === null) timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element: shapes drawn with attributes only (no style attribute, which the CSP forbids). */
export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined) continue;
    if (key === 'class') el.setAttribute('class', value);
    else el.setAttribute(key, String(value));
  }
  return append(el, children);
}

/** A horizontal bar: `value` of `max`, a marker at `mark`; announced as a meter. */
export function bar(value, max, {mark = null, label, labelledby, tone = ''} = {}) {
  const width = max > 0 ? Math.max(0, Math.min(100, (100 * value) / max)) : 0;
  return svg('svg', {class: `bar ${tone}`, viewBox: '0 0 100 8', preserveAspectRatio: 'none',
    role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': max, 'aria-valuenow': value,
    'aria-label': label, 'aria-labelledby': labelledby},
    svg('rect', {class: 'track', x: 0, y: 0, width: 100, height: 8}),
    svg('rect', {class: 'fill', x: 0, y: 0, width, height: 8}),
    mark === null ? null : svg('rect', {class: 'mark', x: Math.min(99.5, (100 * mark) / max),
      y: 0, width: 0.5, height: 8}));
}
