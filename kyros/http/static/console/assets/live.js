// The live feed: one WebSocket to /ws, authenticated with the in-memory token, subscribed to
// every event type the caller's roles may read. Views re-read what an event touched; after a
// drop the feed reconnects and resumes from the last position it saw (no gap, no polling).

import {refresh, token} from './api.js';

const TYPES = ['task_status', 'task_progress', 'task_updated', 'escalation_status', 'system_alerts'];
const listeners = new Set();
let socket = null;
let position = null;
let running = false;
let attempts = 0;
let showState = () => {};
let lost = () => {};

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function start({onState, onLost}) {
  showState = onState;
  lost = onLost;
  running = true;
  open();
}

export function stop() {
  running = false;
  position = null;
  if (socket) socket.close(1000, 'signed out');
  socket = null;
}

function open() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/ws`);
  socket = ws;
  showState('connecting');
  ws.addEventListener('open', () => ws.send(JSON.stringify({type: 'auth', token: token()})));
  ws.addEventListener('message', (event) => receive(ws, JSON.parse(event.data)));
  ws.addEventListener('close', (event) => closed(ws, event));
}

function receive(ws, message) {
  if (message.type === 'authenticated') {
    const events = TYPES.filter((type) => message.data.events.includes(type));
    const request = {type: 'subscribe', events};
    if (position !== null) request.since = position;
    ws.send(JSON.stringify(request));
    return;
  }
  if (message.type === 'subscribed') {
    attempts = 0;
    showState('live');
    return;
  }
  const at = message.position ?? message.data?.position;
  if (typeof at === 'number' && (position === null || at > position)) position = at;
  if (message.type === 'resync_required' || TYPES.includes(message.type)) {
    for (const listener of listeners) listener(message);
  }
}

async function closed(ws, event) {
  if (ws !== socket || !running) return;
  showState('reconnecting');
  if (event.code === 4401 || event.code === 4403) {
    if (!(await refresh())) {
      lost('Your session has ended. Sign in again.');
      return;
    }
  }
  attempts += 1;
  setTimeout(() => running && ws === socket && open(), Math.min(30_000, 500 * 2 ** attempts));
}
