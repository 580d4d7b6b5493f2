// The console's entry: sign-in, the header, and `#/…` routes to the views.

import * as api from './api.js';
import * as live from './live.js';
import {clear, h} from './dom.js';
import {signInView, oauth2Return} from './signin.js';
import {tasksView} from './tasks.js';
import {taskView} from './task.js';
import {escalationsView} from './escalations.js';
import {budgetsView} from './budgets.js';
import {costsView} from './costs.js';
import {agentsView} from './agents.js';
import {configView} from './config.js';
import {webhooksView} from './webhooks.js';

const main = document.getElementById('main');
const VIEWS = [
  {path: 'tasks', label: 'Tasks', allowed: (can) => can('read_tasks'), view: tasksView},
  {path: 'escalations', label: 'Escalations', allowed: (can) => can('read_escalations'),
    view: escalationsView},
  {path: 'budgets', label: 'Budgets and alerts',
    allowed: (can) => can('read_costs') || can('manage_budgets') || can('read_monitoring'),
    view: budgetsView},
  {path: 'costs', label: 'Costs', allowed: (can) => can('read_costs'), view: costsView},
  {path: 'agents', label: 'Agents and models', allowed: (can) => can('read_agents') || can('read_models'),
    view: agentsView},
  {path: 'configuration', label: 'Configuration',
    allowed: (can) => can('read_configuration') || can('manage_configuration'), view: configView},
  {path: 'webhooks', label: 'Webhooks', allowed: (can) => can('manage_webhooks'), view: webhooksView},
];
let ctx = null;
let current = null;
let unsubscribe = null;
let moved = false; // focus moves to the view on navigation, not on the first one

function route() {
  const hash = location.hash.startsWith('#/') ? location.hash.slice(2) : '';
  const [path, query = ''] = hash.split('?');
  const [name, id] = path.split('/').map(decodeURIComponent);
  return {name: name || '', id, params: new URLSearchParams(query)};
}

function show() {
  if (!ctx) return;
  const {name, id, params} = route();
  const allowed = VIEWS.filter((v) => v.allowed(ctx.can));
  const entry = allowed.find((v) => v.path === name);
  if (!entry) {
    if (allowed.length) location.replace(`#/${allowed[0].path}`);
    else clear(main).append(h('p', {class: 'empty'},
      'Your roles allow none of the console\'s views. Ask an admin for a role such as viewer.'));
    return;
  }
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.path === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (unsubscribe) unsubscribe();
  current?.dispose?.();
  clear(main);
  current = name === 'tasks' && id ? taskView(main, ctx, id) : entry.view(main, ctx, params);
  unsubscribe = live.subscribe((message) => current?.update?.(message));
  document.title = `${entry.label} · Kyros console`;
  if (moved) main.focus({preventScroll: true}); // a screen reader starts at the new view
  moved = true;
}

async function enter() {
  const me = await api.api('/v1/auth/me');
  const permissions = new Set(me.permissions ?? []);
  ctx = {me, can: (permission) => permissions.has(permission)};
  const nav = clear(document.getElementById('nav'));
  for (const v of VIEWS.filter((entry) => entry.allowed(ctx.can))) {
    nav.append(h('a', {href: `#/${v.path}`, 'data-path': v.path}, v.label));
  }
  document.getElementById('who').textContent =
    `${me.name ?? me.id} (${(me.roles ?? []).join(', ')})`;
  document.getElementById('bar').hidden = false;
  live.start({
    onState: (state) => {
      const badge = document.getElementById('live');
      badge.textContent = state;
      badge.dataset.state = state;
    },
    onLost: signOut,
  });
  if (location.pathname !== '/console') history.replaceState(null, '', `/console${location.hash}`);
  show();
}

function signOut(message) {
  live.stop();
  if (unsubscribe) unsubscribe();
  current?.dispose?.();
  ctx = current = unsubscribe = null;
  moved = false;
  document.getElementById('bar').hidden = true;
  clear(main);
  signInView(main, {message, done: enter});
}

api.onExpired(signOut);
document.getElementById('signout').addEventListener('click', async () => {
  await api.logout();
  signOut('You have signed out.');
});
window.addEventListener('hashchange', show);
// The skip link focuses the view without touching the address (`#main` is no route).
document.querySelector('.skip').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

const returning = location.pathname.match(/^\/console\/oauth2\/([^/]+)$/);
if (returning) oauth2Return(main, decodeURIComponent(returning[1]), {done: enter, fail: signOut});
else signOut(null);
