// A task's history timeline from the events API (GET /v1/tasks/{id}/history, read_audit):
// every event in log order with its public type, actor, time and a short rendering of its data.

import {api} from './api.js';
import {h, problem, when} from './dom.js';

const PAGE = 200;
const MOST = 1000; // a task's story is short; past this the timeline says where to read the rest
const FIELDS = 8;
const CHARS = 80;

/** Every event of the task (up to MOST), following `next_after` page by page. */
export async function readHistory(taskId, minPosition) {
  const path = `/v1/tasks/${encodeURIComponent(taskId)}/history`;
  const events = [];
  let after = 0;
  while (events.length < MOST) {
    const page = await api(`${path}?after=${after}&limit=${PAGE}`, {minPosition});
    events.push(...page.events);
    if (page.next_after === null || page.next_after === undefined) return {events, more: false};
    after = page.next_after;
  }
  return {events, more: true};
}

export function timeline(history, taskId) {
  const section = h('section', {class: 'card', 'aria-labelledby': 'history-title'},
    h('h2', {id: 'history-title'}, 'History'));
  if (history instanceof Error) {
    section.append(problem(history, 'It will be read again on the next change.'));
    return section;
  }
  if (!history.events.length) {
    section.append(h('p', {class: 'empty'}, 'No events yet.'));
    return section;
  }
  section.append(h('ol', {class: 'timeline', id: 'task-history'}, history.events.map(entry)));
  if (history.more) {
    section.append(h('p', {class: 'hint'},
      `Showing the first ${history.events.length} events; read the rest with `,
      h('code', null, `GET /v1/tasks/${taskId}/history?after=…`), '.'));
  }
  return section;
}

function entry(event) {
  return h('li', {'data-event-type': event.type, 'data-position': event.position},
    h('span', {class: 'event-type'}, event.type),
    ' ',
    h('span', {class: 'hint'}, `by ${event.actor ?? 'the system'}, ${when(event.recorded_at)}`),
    summary(event.data));
}

/** Up to FIELDS of the data's non-empty keys, each value cut to CHARS characters, all as text. */
function summary(data) {
  const pairs = Object.entries(data ?? {}).filter(([, value]) => !blank(value));
  if (!pairs.length) return null;
  const shown = pairs.slice(0, FIELDS).map(([key, value]) =>
    h('li', null, h('span', {class: 'label'}, key), ': ', shorten(value)));
  if (pairs.length > FIELDS) shown.push(h('li', null, `and ${pairs.length - FIELDS} more`));
  return h('ul', {class: 'event-data'}, shown);
}

function blank(value) {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function shorten(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const plain = String(text ?? 'null');
  return plain.length > CHARS ? `${plain.slice(0, CHARS - 1)}…` : plain;
}
