// Sign-in: username and password (POST /v1/auth/login), or a configured OAuth2 provider.

import * as api from './api.js';
import {h, problem} from './dom.js';

export function signInView(main, {message, done}) {
  const status = h('div', {'aria-live': 'polite'});
  if (message) status.append(h('p', {class: 'notice', role: 'status'}, message));
  const username = h('input', {id: 'username', name: 'username', autocomplete: 'username',
    required: true, maxlength: 100});
  const password = h('input', {id: 'password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true, maxlength: 1024});
  const submit = h('button', {type: 'submit'}, 'Sign in');
  const form = h('form', {class: 'signin', 'aria-labelledby': 'signin-title'},
    h('h1', {id: 'signin-title'}, 'Sign in to Kyros'),
    status,
    h('label', {for: 'username'}, 'Username'), username,
    h('label', {for: 'password'}, 'Password'), password,
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.replaceChildren();
    try {
      await api.login(username.value, password.value);
      await done();
    } catch (error) {
      status.append(problem(error, error.status === 401 ? 'Check the username and password.' : ''));
      submit.disabled = false;
      password.select();
    }
  });
  const providers = h('div', {class: 'providers'});
  form.append(providers);
  main.append(form);
  username.focus();
  api.oauth2Providers().then((names) => {
    if (!names.length) return;
    providers.append(h('p', null, 'Or sign in with:'));
    for (const name of names) {
      providers.append(h('button', {type: 'button', class: 'secondary', onclick: async () => {
        try {
          const {authorization_url: url} = await api.oauth2Start(name);
          location.assign(url);
        } catch (error) {
          status.replaceChildren(problem(error));
        }
      }}, name));
    }
  }).catch(() => {});
}

/** The provider sent the browser back to /console/oauth2/{provider}?code=…&state=…&iss=… */
export async function oauth2Return(main, provider, {done, fail}) {
  const query = new URLSearchParams(location.search);
  const fields = {};
  for (const key of ['code', 'state', 'iss', 'error']) if (query.has(key)) fields[key] = query.get(key);
  history.replaceState(null, '', '/console'); // the code is single-use: keep it out of history
  try {
    await api.completeOAuth2(provider, fields);
    await done();
  } catch (error) {
    fail(`Signing in with ${provider} failed: ${error.message}`);
  }
}
