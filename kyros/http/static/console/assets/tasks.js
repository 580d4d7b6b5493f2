// Tasks: a filterable list (status, role, model) with model, progress and cost, refreshed by
// events. GET /v1/tasks has no model filter, so the model filters the loaded page here.

import {api} from './api.js';
import {empty, h, money, problem, throttle, when, words} from './dom.js';

export const STATUSES = ['pending', 'waiting', 'queued', 'awaiting_approval', 'in_progress',
  'completed', 'failed', 'cancelled'];
export const ROLES = ['architect', 'implementer', 'critic', 'integrator'];

export function select(id, label, options, value) {
  const control = h('select', {id, name: id},
    h('option', {value: ''}, 'any'),
    options.map((option) => h('option', {value: option, selected: option === value}, words(option))));
  return [h('label', {for: id}, label), control];
}

export function progressOf(task) {
  const p = task.progress;
  if (!p || !p.total_steps) return null;
  return {value: p.completed_steps ?? 0, max: p.total_steps};
}

export function progressBar(task) {
  const p = progressOf(task);
  if (!p) return task.status === 'completed' ? '100%' : '—';
  const percent = Math.round((100 * p.value) / p.max);
  return h('span', {class: 'progress'},
    h('progress', {value: p.value, max: p.max, 'aria-label': `${percent}% done`}), ` ${percent}%`);
}

export function costOf(task) {
  const actual = task.metadata?.cost ?? task.results?.cost ?? task.results?.actual_cost;
  if (actual !== undefined && actual !== null) return money(actual);
  const estimate = task.submission?.estimated_cost;
  return estimate === undefined || estimate === null ? '—' : `${money(estimate)} est.`;
}

export function tasksView(main, ctx, params) {
  const [statusLabel, status] = select('filter-status', 'Status', STATUSES, params.get('status'));
  const [roleLabel, role] = select('filter-role', 'Role', ROLES, params.get('role'));
  const wanted = params.get('model') ?? '';
  const [modelLabel, model] = select('filter-model', 'Model', wanted ? [wanted] : [], wanted);
  const filters = h('form', {class: 'filters', 'aria-label': 'Filter tasks'},
    statusLabel, status, roleLabel, role, modelLabel, model);
  const onChange = () => {
    const query = new URLSearchParams();
    if (status.value) query.set('status', status.value);
    if (role.value) query.set('role', role.value);
    if (model.value) query.set('model', model.value);
    const text = query.toString();
    // The address keeps the filters (bookmarkable) without a re-render that would lose focus.
    history.replaceState(null, '', `#/tasks${text ? `?${text}` : ''}`);
    load();
  };
  status.addEventListener('change', onChange);
  role.addEventListener('change', onChange);
  model.addEventListener('change', onChange);
  const body = h('div', {'aria-live': 'polite', 'aria-busy': 'true'});
  main.append(h('h1', null, 'Tasks'), filters, body);

  async function load(minPosition) {
    const query = new URLSearchParams({limit: '100'});
    if (status.value) query.set('status', status.value);
    if (role.value) query.set('assignee_role', role.value);
    try {
      const data = await api(`/v1/tasks?${query}`, {minPosition});
      offerModels(model, data.tasks);
      const shown = model.value ? data.tasks.filter((task) => task.model === model.value) : data.tasks;
      body.replaceChildren(table(shown, data.pagination, model.value ? data.tasks.length : null));
    } catch (error) {
      body.replaceChildren(problem(error, 'Reload the page to try again.'));
    }
    body.setAttribute('aria-busy', 'false');
  }
  const reload = throttle(load);
  load();
  return {
    update(message) {
      if (message.type.startsWith('task_') || message.type === 'resync_required') {
        reload(message.position);
      }
    },
  };
}

/** The models of the loaded tasks as options, keeping the chosen one (and the focus). */
function offerModels(control, tasks) {
  const models = new Set(tasks.map((task) => task.model).filter(Boolean));
  if (control.value) models.add(control.value);
  const known = new Set([...control.options].map((option) => option.value).filter(Boolean));
  for (const name of [...models].sort()) {
    if (!known.has(name)) control.append(h('option', {value: name}, name));
  }
}

function table(tasks, pagination, loaded) {
  const note = loaded === null ? ''
    : `The model filter looks at the ${loaded} tasks loaded; narrow by status or role to reach others.`;
  if (!tasks.length) {
    return h('div', null,
      empty('No tasks match. Clear the filters, or create one with POST /v1/tasks.'),
      note && h('p', {class: 'hint', id: 'model-filter-note'}, note));
  }
  const rows = tasks.map((task) => h('tr', {'data-task-id': task.id},
    h('td', null, h('a', {href: `#/tasks/${encodeURIComponent(task.id)}`}, task.title)),
    h('td', null, h('span', {class: `badge status-${task.status}`}, words(task.status))),
    h('td', {class: 'nowrap'}, task.submission?.role ?? task.assignee_role ?? '—'),
    h('td', {class: 'nowrap'}, task.model ?? task.submission?.model ?? '—'),
    h('td', null, progressBar(task)),
    h('td', {class: 'num'}, costOf(task)),
    h('td', null, when(task.updated_at))));
  const shown = loaded === null && pagination.total > tasks.length ? `Showing ${tasks.length} of ${pagination.total}.` : '';
  return h('div', {class: 'scroll'},
    h('table', null,
      h('caption', {class: 'sr-only'}, 'Tasks, newest first'),
      h('thead', null, h('tr', null, ['Title', 'Status', 'Role', 'Model', 'Progress', 'Cost',
        'Updated'].map((name) => h('th', {scope: 'col'}, name)))),
      h('tbody', null, rows)),
    shown && h('p', {class: 'hint'}, shown),
    note && h('p', {class: 'hint', id: 'model-filter-note'}, note));
}
