// Costs over a rolling window or a calendar period: totals, savings against premium-only, bars
// by model, role and task type, and by day (SVG drawn here: no chart library to vendor).

import {api} from './api.js';
import {bar, empty, h, money, problem, throttle, words} from './dom.js';
import {dailyCosts} from './days.js';

// Rolling windows and the calendar periods holding now (the API's period=…, `at` left out).
const PERIODS = [['1d', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'], ['day', 'Today (UTC)'], ['week', 'This week'], ['month', 'This month'],
  ['quarter', 'This quarter'], ['year', 'This year']];
const GROUPS = [['by_model', 'By model'], ['by_role', 'By role'], ['by_task_type', 'By task type']];

export function costsView(main, ctx, params) {
  const chosen = params.get('period') ?? '7d';
  const periodLabel = h('label', {for: 'cost-period'}, 'Period');
  const period = h('select', {id: 'cost-period', name: 'cost-period'},
    PERIODS.map(([value, label]) => h('option', {value, selected: value === chosen}, label)));
  period.addEventListener('change', () => {
    history.replaceState(null, '', `#/costs?period=${period.value}`);
    load();
  });
  const body = h('div', {'aria-live': 'polite', 'aria-busy': 'true'});
  main.append(h('h1', null, 'Costs'),
    h('form', {class: 'filters', 'aria-label': 'Cost window'}, periodLabel, period), body);

  async function load(minPosition) {
    try {
      const query = new URLSearchParams({period: period.value, group_by: 'model,role,task_type'});
      const costs = await api(`/v1/monitoring/costs?${query}`, {minPosition});
      body.replaceChildren(...report(costs), ...await dailyCosts(ctx, costs, minPosition));
    } catch (error) {
      body.replaceChildren(problem(error));
    }
    body.setAttribute('aria-busy', 'false');
  }
  const reload = throttle(load);
  load();
  return {update: (message) => message.type === 'task_status' && reload(message.position)};
}

function report(costs) {
  const savings = costs.cost_breakdown?.savings;
  const counts = costs.task_counts ?? {};
  const parts = [h('dl', {class: 'facts'},
    h('dt', null, 'Total'), h('dd', {id: 'cost-total'}, money(costs.total_cost)),
    h('dt', null, 'Attempts'), h('dd', null,
      `${counts.completed ?? 0} completed (${counts.priced ?? 0} priced), ${counts.failed ?? 0} failed`),
    h('dt', null, 'Premium-only would cost'), h('dd', null, savings ? money(savings.premium_only_cost) : '—'),
    h('dt', null, 'Saved'), h('dd', null, savings && savings.vs_premium_only !== null
      ? `${money(savings.vs_premium_only)} (${savings.percentage}%)` : '—'))];
  if (!Number(costs.total_cost)) {
    parts.push(empty('No priced work completed in this window yet.'));
    return parts;
  }
  for (const [key, title] of GROUPS) {
    const groups = Object.entries(costs.cost_breakdown?.[key] ?? {});
    if (!groups.length) continue;
    const top = Math.max(...groups.map(([, g]) => Number(g.cost)));
    parts.push(h('h2', null, title), h('ul', {class: 'chart'}, groups.map(([name, g]) => h('li', null,
      h('span', {class: 'label'}, words(name)),
      bar(Number(g.cost), top, {label: `${name}: ${money(g.cost)}`}),
      h('span', {class: 'num'}, `${money(g.cost)} · ${g.percentage}% · ${g.tasks} tasks`)))));
  }
  return parts;
}
