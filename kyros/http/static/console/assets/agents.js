// Agents and models: each role's agents, queue and performance; the catalog's models.

import {api} from './api.js';
import {empty, h, money, problem, throttle, words} from './dom.js';
import {ROLES} from './tasks.js';

export function agentsView(main, ctx) {
  const roles = h('div', {'aria-busy': 'true'});
  const models = h('div', {'aria-busy': 'true'});
  main.append(h('h1', null, 'Agents and models'));
  if (ctx.can('read_agents')) main.append(h('h2', null, 'Roles'), roles);
  if (ctx.can('read_models')) main.append(h('h2', null, 'Models'), models);

  async function load(minPosition) {
    if (ctx.can('read_agents')) {
      try {
        const all = await Promise.all(ROLES.map((role) =>
          api(`/v1/agents/${role}/status`, {minPosition})));
        roles.replaceChildren(roleTable(all));
      } catch (error) {
        roles.replaceChildren(problem(error));
      }
      roles.setAttribute('aria-busy', 'false');
    }
    if (ctx.can('read_models')) {
      try {
        models.replaceChildren(modelTable(await api('/v1/models', {minPosition})));
      } catch (error) {
        models.replaceChildren(problem(error));
      }
      models.setAttribute('aria-busy', 'false');
    }
  }
  const reload = throttle(load);
  load();
  return {update: (message) => message.type === 'task_status' && reload(message.position)};
}

function percent(value) {
  return value === null || value === undefined ? '—' : `${Math.round(Number(value) * 100)}%`;
}

function seconds(value) {
  return value === null || value === undefined ? '—' : `${Math.round(Number(value))} s`;
}

function roleTable(statuses) {
  const head = ['Role', 'Agents available', 'Active tasks', 'Queued', 'Success rate',
    'Response time', 'Completed today', 'Cost per task', 'Models in use'];
  return h('div', {class: 'scroll'}, h('table', null,
    h('thead', null, h('tr', null, head.map((name) => h('th', {scope: 'col'}, name)))),
    h('tbody', null, statuses.map((s) => h('tr', {'data-role': s.role},
      h('th', {scope: 'row'}, s.role),
      h('td', {class: 'num'}, s.available_agents),
      h('td', {class: 'num'}, s.active_tasks),
      h('td', {class: 'num'}, s.queue_length),
      h('td', {class: 'num'}, percent(s.success_rate)),
      h('td', {class: 'num'}, seconds(s.average_response_time)),
      h('td', {class: 'num'}, s.performance?.tasks_completed_today ?? 0),
      h('td', {class: 'num'}, money(s.performance?.cost_per_task)),
      h('td', null, Object.keys(s.current_models ?? {}).join(', ') || '—'))))));
}

function modelTable(catalog) {
  if (!catalog.models.length) return empty('The model catalog is empty.');
  return h('div', {class: 'scroll'}, h('table', null,
    h('thead', null, h('tr', null, ['Model', 'Provider', 'Status', 'Recommended for', 'Used as']
      .map((name) => h('th', {scope: 'col'}, name)))),
    h('tbody', null, catalog.models.map((m) => h('tr', null,
      h('th', {scope: 'row'}, m.name),
      h('td', null, m.provider),
      h('td', null, h('span', {class: `badge model-${m.status}`}, words(m.status))),
      h('td', null, words(m.recommended_usage)),
      h('td', null, [m.name === catalog.default_model ? 'default' : null,
        m.name === catalog.escalation_model ? 'escalation' : null].filter(Boolean).join(', ') || '—'))))));
}
