// One task: status, progress, model, cost, escalation (decided here too), budget reservation
// and results, and for read_audit its history timeline; live through the task's events.

import {api} from './api.js';
import {h, money, problem, throttle, when, words} from './dom.js';
import {decisionForm} from './decide.js';
import {readHistory, timeline} from './history.js';
import {costOf, progressBar} from './tasks.js';

export function taskView(main, ctx, taskId) {
  const heading = h('h1', null, 'Task');
  const body = h('div', {'aria-busy': 'true'});
  main.append(h('p', null, h('a', {href: '#/tasks'}, '← All tasks')), heading, body);

  async function load(minPosition) {
    try {
      const task = await api(`/v1/tasks/${encodeURIComponent(taskId)}`, {minPosition});
      let escalation = null;
      if (task.escalation && ctx.can('read_escalations')) {
        const id = encodeURIComponent(task.escalation.escalation_id);
        escalation = await api(`/v1/escalation/${id}/status`, {minPosition});
      }
      // the timeline is read beside the task; its failure leaves the rest of the page whole
      const history = ctx.can('read_audit')
        ? await readHistory(taskId, minPosition).catch((error) => error) : null;
      heading.textContent = task.title;
      body.replaceChildren(...details(task, escalation, ctx, () => load()),
        history === null ? '' : timeline(history, taskId));
    } catch (error) {
      body.replaceChildren(problem(error, error.status === 404 ? 'Go back to the task list.' : ''));
    }
    body.setAttribute('aria-busy', 'false');
  }
  const reload = throttle(load);
  load();
  return {
    update(message) {
      const about = message.data?.task_id;
      if (message.type === 'resync_required' || about === taskId || about === undefined) {
        reload(message.position);
      }
    },
  };
}

function row(name, value) {
  return [h('dt', null, name), h('dd', null, value)];
}

function details(task, escalation, ctx, reload) {
  const reservation = task.budget_reservation;
  const facts = h('dl', {class: 'facts'},
    row('Status', h('span', {class: `badge status-${task.status}`, id: 'task-status'}, words(task.status))),
    row('Progress', progressBar(task)),
    row('Role', task.submission?.role ?? task.assignee_role ?? '—'),
    row('Model', task.submission?.model ?? '—'),
    row('Cost', costOf(task)),
    row('Priority', words(task.priority)),
    row('Type', words(task.type)),
    row('Created', when(task.created_at)),
    row('Updated', when(task.updated_at)),
    row('Budget reservation', reservation
      ? `${money(reservation.amount)} on ${reservation.model}, held on ${reservation.budgets} budget${reservation.budgets === 1 ? '' : 's'}`
      : 'none'));
  const parts = [facts];
  if (task.description) parts.push(h('h2', null, 'Description'), h('p', {class: 'prose'}, task.description));
  if (escalation) parts.push(escalationPanel(escalation, ctx, reload));
  else if (task.escalation) parts.push(h('p', null, `Escalation ${words(task.escalation.status)}.`));
  if (task.error) parts.push(h('h2', null, 'Error'), h('pre', null, JSON.stringify(task.error, null, 2)));
  if (task.results) parts.push(h('h2', null, 'Results'), h('pre', null, JSON.stringify(task.results, null, 2)));
  return parts;
}

function escalationPanel(escalation, ctx, reload) {
  return h('section', {class: 'card', 'aria-labelledby': 'escalation-title'},
    h('h2', {id: 'escalation-title'}, `Escalation: ${words(escalation.status)}`),
    h('p', {class: 'prose'}, escalation.reason),
    h('dl', {class: 'facts'},
      row('Models', `${escalation.original_model} → ${escalation.target_model}`),
      row('Confidence', escalation.confidence === null ? '—' : `${Math.round(escalation.confidence * 100)}%`),
      row('Estimated cost', money(escalation.estimated_cost)),
      row('Actual cost', money(escalation.actual_cost)),
      row('Rule', escalation.rule ?? '—'),
      row('Decided by', escalation.decided_by === ctx.me.id ? 'you' : escalation.decided_by ?? '—'),
      row('Comments', escalation.approver_comments ?? '—')),
    decisionForm(escalation, ctx, reload));
}
