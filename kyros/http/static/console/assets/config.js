// Configuration: readable by every role allowed to read it, editable by admins, with the
// server's validation errors shown at the field they name.

import {api} from './api.js';
import {append, h, problem, words} from './dom.js';

export function configView(main, ctx) {
  const editable = ctx.can('manage_configuration');
  const body = h('div', {'aria-busy': 'true'});
  append(main, [h('h1', null, 'Configuration'),
    editable ? null : h('p', {class: 'hint'}, 'Read-only: only admins change the configuration.'),
    body]);

  async function load() {
    try {
      const config = await api('/v1/configuration');
      body.replaceChildren(...Object.entries(config).map(([name, fields]) =>
        section(name, fields, editable, load)));
    } catch (error) {
      body.replaceChildren(problem(error));
    }
    body.setAttribute('aria-busy', 'false');
  }
  load();
  return {};
}

function control(id, value, editable) {
  const common = {id, name: id, disabled: !editable};
  if (typeof value === 'boolean') return h('input', {...common, type: 'checkbox', checked: value});
  if (typeof value === 'number') return h('input', {...common, type: 'number', step: 'any', value});
  return h('input', {...common, value: value ?? '', maxlength: 200});
}

function read(input, original) {
  if (input.type === 'checkbox') return input.checked;
  if (typeof original === 'number') return input.value === '' ? input.value : Number(input.value);
  return input.value;
}

function section(name, fields, editable, reload) {
  const status = h('div', {'aria-live': 'polite'});
  const rows = Object.entries(fields).filter(([, v]) => v === null || typeof v !== 'object');
  const inputs = new Map();
  const form = h('form', {class: 'card config', 'aria-labelledby': `config-${name}`},
    h('h2', {id: `config-${name}`}, words(name)),
    rows.map(([key, value]) => {
      const id = `${name}.${key}`;
      const input = control(id, value, editable);
      const error = h('span', {class: 'error field-error', id: `${id}-error`});
      inputs.set(key, {input, error, value});
      return h('div', {class: 'field'}, h('label', {for: id}, words(key)), input, error);
    }),
    editable ? h('div', {class: 'actions'}, h('button', {type: 'submit'}, `Save ${words(name)}`)) : null,
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const changed = {};
    for (const [key, {input, error, value}] of inputs) {
      error.textContent = '';
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
      const now = read(input, value);
      if (now !== value) changed[key] = now;
    }
    if (!Object.keys(changed).length) {
      status.replaceChildren(h('p', {class: 'hint', role: 'status'}, 'Nothing changed.'));
      return;
    }
    try {
      await api('/v1/configuration', {method: 'PUT', body: {[name]: changed}});
      status.replaceChildren(h('p', {class: 'notice', role: 'status'}, 'Saved.'));
      setTimeout(reload, 800);
    } catch (error) {
      const key = String(error.field ?? '').split('.').pop();
      const target = inputs.get(key);
      if (target) {
        target.error.textContent = error.message;
        target.input.setAttribute('aria-invalid', 'true');
        target.input.setAttribute('aria-describedby', target.error.id);
        target.input.focus();
      } else {
        status.replaceChildren(problem(error));
      }
    }
  });
  return form;
}
