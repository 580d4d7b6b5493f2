// Webhooks: endpoints, a new one's secret shown once, test sends, the delivery log with every
// attempt, and redelivery. Deliveries are not WebSocket events: "Refresh" re-reads them.

import {api} from './api.js';
import {empty, h, problem, when, words} from './dom.js';

const EVENTS = ['task.created', 'task.updated', 'task.submitted', 'task.dependencies_met',
  'task.requeued', 'task.started', 'task.progress', 'task.completed', 'task.failed',
  'task.cancelled', 'escalation.requested', 'escalation.approved', 'escalation.rejected',
  'escalation.expired', 'escalation.withdrawn', 'escalation.completed', 'alert.raised',
  'alert.acknowledged', 'alert.resolved'];

export function webhooksView(main) {
  const list = h('div', {'aria-live': 'polite', 'aria-busy': 'true'});
  const created = h('div', {'aria-live': 'polite'});
  main.append(h('h1', null, 'Webhooks'), createForm(created, () => load()), created,
    h('h2', null, 'Endpoints'), list);

  async function load() {
    try {
      const data = await api('/v1/webhooks');
      const hooks = data.webhooks ?? data;
      list.replaceChildren(hooks.length ? h('ul', {class: 'hooks'}, hooks.map(endpoint))
        : empty('No webhooks yet. Add one above to have events POSTed to your URL.'));
    } catch (error) {
      list.replaceChildren(problem(error));
    }
    list.setAttribute('aria-busy', 'false');
  }
  load();
  return {};
}

function createForm(created, reload) {
  const url = h('input', {id: 'hook-url', name: 'url', type: 'url', required: true, maxlength: 2000,
    placeholder: 'https://example.com/kyros'});
  const description = h('input', {id: 'hook-description', name: 'description', maxlength: 500});
  const boxes = EVENTS.map((type) => h('input', {type: 'checkbox', id: `hook-event-${type}`,
    value: type, checked: type.startsWith('escalation.')}));
  const status = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'card', 'aria-labelledby': 'hook-new'},
    h('h2', {id: 'hook-new'}, 'Add a webhook'),
    h('div', {class: 'field'}, h('label', {for: 'hook-url'}, 'URL'), url),
    h('div', {class: 'field'}, h('label', {for: 'hook-description'}, 'Description'), description),
    h('fieldset', {class: 'events'}, h('legend', null, 'Events'),
      boxes.map((box) => h('span', {class: 'check'}, box, h('label', {for: box.id}, box.value)))),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Add webhook')), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const events = boxes.filter((box) => box.checked).map((box) => box.value);
    try {
      const hook = await api('/v1/webhooks', {method: 'POST',
        body: {url: url.value, events, description: description.value}});
      form.reset();
      // The secret exists in this page only until the next render: it is never shown again.
      created.replaceChildren(h('section', {class: 'card secret', 'aria-labelledby': 'secret-title'},
        h('h3', {id: 'secret-title'}, 'Signing secret (shown once)'),
        h('p', null, 'Copy it now into your receiver: Kyros keeps no way to show it again.'),
        h('code', {id: 'hook-secret'}, hook.secret),
        h('div', {class: 'actions'}, h('button', {type: 'button', class: 'secondary',
          onclick: () => created.replaceChildren()}, 'I have stored it'))));
      reload();
    } catch (error) {
      status.replaceChildren(problem(error));
    }
  });
  return form;
}

function endpoint(hook) {
  const deliveries = h('div', {'aria-live': 'polite'});
  const status = h('div', {'aria-live': 'polite'});
  const id = encodeURIComponent(hook.id);
  const showDeliveries = async () => {
    try {
      const data = await api(`/v1/webhooks/${id}/deliveries?limit=20`);
      deliveries.replaceChildren(deliveryTable(hook, data.deliveries ?? [], showDeliveries));
    } catch (error) {
      deliveries.replaceChildren(problem(error));
    }
  };
  const sendTest = async () => {
    try {
      await api(`/v1/webhooks/${id}/test`, {method: 'POST'});
      status.replaceChildren(h('p', {class: 'notice', role: 'status'}, 'Test delivery queued.'));
      showDeliveries();
    } catch (error) {
      status.replaceChildren(problem(error));
    }
  };
  return h('li', {class: 'card', 'data-webhook-id': hook.id},
    h('h3', null, hook.url),
    h('p', {class: 'hint'}, `${words(hook.status)} · ${hook.events.length} event types`
      + `${hook.description ? ` · ${hook.description}` : ''}`),
    h('div', {class: 'actions'},
      h('button', {type: 'button', onclick: sendTest}, 'Send test'),
      h('button', {type: 'button', class: 'secondary', onclick: showDeliveries}, 'Deliveries')),
    status, deliveries);
}

function deliveryTable(hook, deliveries, refresh) {
  const refreshButton = h('button', {type: 'button', class: 'secondary', onclick: refresh}, 'Refresh');
  if (!deliveries.length) return h('div', null, empty('No deliveries yet.'), refreshButton);
  return h('div', null, h('div', {class: 'scroll'}, h('table', null,
    h('caption', {class: 'sr-only'}, `Deliveries to ${hook.url}`),
    h('thead', null, h('tr', null, ['Event', 'Status', 'Attempts', 'Last answer', 'Next attempt', '']
      .map((name) => h('th', {scope: 'col'}, name)))),
    h('tbody', null, deliveries.map((d) => h('tr', {'data-delivery-id': d.id},
      h('td', null, d.event_type ?? d.type ?? '—'),
      h('td', null, words(d.status)),
      h('td', {class: 'num'}, d.attempts),
      h('td', null, d.last_status_code ?? d.last_error ?? '—'),
      h('td', null, when(d.next_attempt_at)),
      h('td', null, h('button', {type: 'button', class: 'secondary', onclick: async (event) => {
        event.target.disabled = true;
        try {
          await api(`/v1/webhooks/${encodeURIComponent(hook.id)}/deliveries/${encodeURIComponent(d.id)}/redeliver`,
            {method: 'POST'});
          refresh();
        } catch (error) {
          event.target.replaceWith(problem(error));
        }
      }}, 'Redeliver'))))))), refreshButton);
}
