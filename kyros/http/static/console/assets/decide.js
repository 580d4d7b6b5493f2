// Approve or reject an escalation, with a comment. Shown only to callers who may decide and
// did not request it; the server refuses anyone else anyway.

import {api} from './api.js';
import {h, problem} from './dom.js';

export function decisionForm(escalation, ctx, onDecided) {
  if (escalation.status !== 'pending_approval') return null;
  if (!ctx.can('approve_escalation')) {
    return h('p', {class: 'hint'}, 'Waiting for an approver. Your roles cannot decide escalations.');
  }
  if (escalation.requested_by === ctx.me.id) {
    return h('p', {class: 'hint'}, 'You requested this escalation: another approver decides it.');
  }
  const id = `comment-${escalation.escalation_id}`;
  const comment = h('textarea', {id, name: 'approver_comments', rows: 2, maxlength: 2000});
  const status = h('div', {'aria-live': 'polite'});
  const buttons = [
    h('button', {type: 'submit', value: 'approved', class: 'approve'}, 'Approve'),
    h('button', {type: 'submit', value: 'rejected', class: 'reject'}, 'Reject'),
  ];
  const form = h('form', {class: 'decide', 'aria-label': 'Decide this escalation'},
    h('label', {for: id}, 'Comment (optional)'), comment, h('div', {class: 'actions'}, buttons), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const decision = event.submitter?.value ?? 'approved';
    for (const button of buttons) button.disabled = true;
    const payload = {decision};
    if (comment.value.trim()) payload.approver_comments = comment.value.trim();
    try {
      const path = `/v1/escalation/${encodeURIComponent(escalation.escalation_id)}/approve`;
      const decided = await api(path, {method: 'POST', body: payload});
      status.replaceChildren(h('p', {class: 'notice', role: 'status'}, `Escalation ${decided.status}.`));
      onDecided?.(decided);
    } catch (error) {
      status.replaceChildren(problem(error));
      for (const button of buttons) button.disabled = false;
    }
  });
  return form;
}
