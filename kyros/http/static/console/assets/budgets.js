// Budgets with utilisation bars for the current period, and alerts to acknowledge or resolve.

import {api} from './api.js';
import {bar, empty, h, money, problem, throttle, when, words} from './dom.js';

export function budgetsView(main, ctx) {
  const readBudgets = ctx.can('read_costs') || ctx.can('manage_budgets');
  const budgets = h('div', {'aria-busy': 'true'});
  const alerts = h('div', {'aria-live': 'polite', 'aria-busy': 'true'});
  main.append(h('h1', null, 'Budgets and alerts'));
  if (readBudgets) main.append(h('h2', null, 'Budgets this period'), budgets);
  if (ctx.can('read_monitoring')) main.append(h('h2', null, 'Open alerts'), alerts);

  async function load(minPosition) {
    if (readBudgets) {
      try {
        const data = await api('/v1/budgets', {minPosition});
        budgets.replaceChildren(data.budgets.length ? budgetList(data.budgets)
          : empty('No budgets yet. An admin defines them with POST /v1/budgets.'));
      } catch (error) {
        budgets.replaceChildren(problem(error));
      }
      budgets.setAttribute('aria-busy', 'false');
    }
    if (ctx.can('read_monitoring')) {
      try {
        const data = await api('/v1/monitoring/alerts?status=active,acknowledged&limit=100', {minPosition});
        alerts.replaceChildren(data.alerts.length ? alertList(data.alerts, ctx, () => load())
          : empty('No open alerts.'));
      } catch (error) {
        alerts.replaceChildren(problem(error));
      }
      alerts.setAttribute('aria-busy', 'false');
    }
  }
  const reload = throttle(load);
  load();
  return {update: (message) => reload(message.position)};
}

function budgetList(budgets) {
  return h('ul', {class: 'budgets'}, budgets.map((b) => {
    const period = b.current_period;
    const used = period.utilization === null ? 0 : Number(period.utilization);
    const threshold = Number(b.alert_threshold) * 100;
    const id = `budget-${b.id}`;
    return h('li', {class: 'card', 'data-budget-id': b.id},
      h('h3', {id}, b.name),
      h('p', {class: 'hint'}, `${b.period}, ${words(b.scope)}${b.scope_value ? ` ${b.scope_value}` : ''}, `
        + `${b.enforcement}${b.enabled ? '' : ', disabled'}; alert at ${threshold}%`),
      bar(Math.min(used, 100), 100, {mark: threshold, labelledby: id,
        tone: used >= 100 ? 'over' : used >= threshold ? 'warn' : ''}),
      h('p', {class: 'figures'},
        `${period.utilization === null ? '—' : `${used}%`} used: ${money(period.spent)} spent + `
        + `${money(period.reserved)} reserved of ${money(b.limit)}; ${money(period.remaining)} left`),
      used >= 100 ? h('p', {class: 'error'}, 'Over the limit this period.') : null);
  }));
}

function alertList(alerts, ctx, reload) {
  return h('ul', {class: 'alerts'}, alerts.map((alert) => {
    const status = h('div', {'aria-live': 'polite'});
    const act = (verb) => async () => {
      try {
        await api(`/v1/monitoring/alerts/${encodeURIComponent(alert.id)}/${verb}`, {method: 'POST', body: {}});
        reload();
      } catch (error) {
        status.replaceChildren(problem(error));
      }
    };
    const actions = ctx.can('manage_alerts') ? h('div', {class: 'actions'},
      alert.status === 'active' ? h('button', {type: 'button', onclick: act('acknowledge')}, 'Acknowledge') : null,
      h('button', {type: 'button', class: 'secondary', onclick: act('resolve')}, 'Resolve')) : null;
    return h('li', {class: `card severity-${alert.severity}`, 'data-alert-id': alert.id},
      h('h3', null, `${words(alert.severity)}: ${words(alert.type)} (${alert.status})`),
      h('p', {class: 'prose'}, alert.message),
      h('p', {class: 'hint'}, `Raised ${when(alert.created_at)}`),
      actions, status);
  }));
}
