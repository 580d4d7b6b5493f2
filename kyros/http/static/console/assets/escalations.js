// Escalations: the pending queue first, each with its reasoning, confidence, estimated cost and
// the budgets it would draw on; then the latest decided ones.

import {api} from './api.js';
import {empty, h, money, problem, throttle, when, words} from './dom.js';
import {decisionForm} from './decide.js';

const DECIDED = 'approved,rejected,expired,withdrawn,completed';

export function escalationsView(main, ctx) {
  const pending = h('div', {'aria-live': 'polite', 'aria-busy': 'true'});
  const decided = h('div', {'aria-busy': 'true'});
  main.append(h('h1', null, 'Escalations'),
    h('h2', null, 'Waiting for a decision'), pending,
    h('h2', null, 'Recently decided'), decided);

  const known = new Map(); // task id → task, read once per visit: titles seldom change
  async function load(minPosition) {
    try {
      const [open, done, budgets] = await Promise.all([
        api('/v1/escalations?status=pending&limit=100', {minPosition}),
        api(`/v1/escalations?status=${DECIDED}&limit=20`, {minPosition}),
        ctx.can('read_costs') || ctx.can('manage_budgets')
          ? api('/v1/budgets', {minPosition}).then((d) => d.budgets) : Promise.resolve(null),
      ]);
      const tasks = await titles(known, open.escalations.concat(done.escalations), minPosition);
      pending.replaceChildren(...(open.escalations.length
        ? open.escalations.map((e) => card(e, tasks.get(e.task_id), budgets, ctx, () => load()))
        : [empty('No escalation is waiting. Premium-routed submissions appear here.')]));
      decided.replaceChildren(done.escalations.length
        ? history(done.escalations, tasks) : empty('Nothing decided yet.'));
    } catch (error) {
      pending.replaceChildren(problem(error, 'Reload the page to try again.'));
    }
    pending.setAttribute('aria-busy', 'false');
    decided.setAttribute('aria-busy', 'false');
  }
  const reload = throttle(load);
  load();
  return {
    update(message) {
      if (['escalation_status', 'resync_required'].includes(message.type)) {
        reload(message.position);
      }
    },
  };
}

async function titles(known, escalations, minPosition) {
  const ids = [...new Set(escalations.map((e) => e.task_id))].filter((id) => !known.has(id));
  const found = await Promise.all(ids.map((id) =>
    api(`/v1/tasks/${encodeURIComponent(id)}`, {minPosition}).catch(() => null)));
  ids.forEach((id, i) => known.set(id, found[i]));
  return known;
}

/** Budgets an approval would reserve on: enabled ones whose scope covers the work. */
function impacted(escalation, task, budgets) {
  const role = task?.submission?.role ?? task?.assignee_role;
  return budgets.filter((b) => b.enabled && (b.scope === 'system'
    || (b.scope === 'model' && b.scope_value === escalation.target_model)
    || (b.scope === 'role' && b.scope_value === role)
    || (b.scope === 'user' && b.scope_value === (task?.created_by ?? escalation.requested_by))));
}

function budgetLines(escalation, task, budgets) {
  if (budgets === null) return h('p', {class: 'hint'}, 'Your roles cannot read budgets.');
  const hit = impacted(escalation, task, budgets);
  if (!hit.length) return h('p', {class: 'hint'}, 'No budget applies to this work.');
  const estimate = Number(escalation.estimated_cost ?? 0);
  return h('ul', {class: 'impact'}, hit.map((b) => {
    const after = Number(b.current_period.remaining) - estimate;
    return h('li', {class: after < 0 ? 'over' : null},
      `${b.name} (${b.period}, ${b.enforcement}): ${money(b.current_period.remaining)} left, `
      + `${money(after)} after approval${after < 0 ? ' — over the limit' : ''}`);
  }));
}

function card(escalation, task, budgets, ctx, reload) {
  const title = task?.title ?? escalation.task_id;
  return h('article', {class: 'card', 'data-escalation-id': escalation.escalation_id},
    h('h3', null, h('a', {href: `#/tasks/${encodeURIComponent(escalation.task_id)}`}, title)),
    h('p', {class: 'prose'}, escalation.reason),
    h('dl', {class: 'facts'},
      h('dt', null, 'Models'), h('dd', null, `${escalation.original_model} → ${escalation.target_model}`),
      h('dt', null, 'Confidence'), h('dd', null, escalation.confidence === null ? '—'
        : h('span', null, h('meter', {min: 0, max: 1, value: escalation.confidence,
          'aria-label': 'Confidence'}), ` ${Math.round(escalation.confidence * 100)}%`)),
      h('dt', null, 'Estimated cost'), h('dd', null, money(escalation.estimated_cost)),
      h('dt', null, 'Why it waits'), h('dd', null, escalation.rule ?? '—'),
      h('dt', null, 'Requested'), h('dd', null, `${when(escalation.submitted_at)} by ${escalation.requested_by}`),
      h('dt', null, 'Expires'), h('dd', null, when(escalation.expires_at))),
    h('h4', null, 'Budgets it would draw on'),
    budgetLines(escalation, task, budgets),
    decisionForm(escalation, ctx, reload));
}

function history(escalations, tasks) {
  return h('div', {class: 'scroll'}, h('table', null,
    h('thead', null, h('tr', null, ['Task', 'Status', 'Target', 'Estimate', 'Actual', 'Decided by',
      'Comments'].map((name) => h('th', {scope: 'col'}, name)))),
    h('tbody', null, escalations.map((e) => h('tr', null,
      h('td', null, h('a', {href: `#/tasks/${encodeURIComponent(e.task_id)}`},
        tasks.get(e.task_id)?.title ?? e.task_id)),
      h('td', null, words(e.status)),
      h('td', null, e.target_model),
      h('td', {class: 'num'}, money(e.estimated_cost)),
      h('td', {class: 'num'}, money(e.actual_cost)),
      h('td', null, e.decided_by ?? '—'),
      h('td', null, e.approver_comments ?? '—'))))));
}
