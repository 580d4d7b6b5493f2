// The API client. The access token lives in this module's memory only: never in a cookie or
// web storage, so the browser sends it nowhere by itself (no CSRF) and a reload signs out.

let session = null; // {access, refresh}
let refreshing = null;
let expired = () => {};

export class ApiError extends Error {
  constructor(status, error) {
    const field = error?.details?.field ? ` (${error.details.field})` : '';
    super(`${error?.message || `Request failed with HTTP ${status}`}${field}`);
    this.status = status;
    this.code = error?.code;
    this.field = error?.details?.field;
  }
}

export function onExpired(handler) {
  expired = handler;
}

export function token() {
  return session?.access ?? null;
}

export function signedIn() {
  return session !== null;
}

function adopt(data) {
  session = {access: data.access_token, refresh: data.refresh_token ?? null};
  return data;
}

async function envelope(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok || !body?.success) throw new ApiError(response.status, body?.error);
  return body.data;
}

export async function login(username, password) {
  const form = new URLSearchParams({username, password});
  const response = await fetch('/v1/auth/login', {method: 'POST', body: form});
  return adopt(await envelope(response));
}

export async function completeOAuth2(provider, fields) {
  const response = await fetch(`/v1/auth/oauth2/${encodeURIComponent(provider)}/callback`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(fields),
  });
  return adopt(await envelope(response));
}

export async function oauth2Providers() {
  const response = await fetch('/v1/auth/oauth2', {headers: {Accept: 'application/json'}});
  if (response.status === 404) return [];
  return (await envelope(response)).providers ?? [];
}

export async function oauth2Start(provider) {
  const response = await fetch(`/v1/auth/oauth2/${encodeURIComponent(provider)}`, {
    headers: {Accept: 'application/json'},
  });
  return envelope(response);
}

/** A new access token from the refresh token (rotated on every use); false when the session
 * is over (logged out, idle past its timeout, or revoked). One refresh at a time. */
export function refresh() {
  if (!session?.refresh) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const response = await fetch('/v1/auth/refresh', {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({refresh_token: session.refresh}),
      });
      adopt(await envelope(response));
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function send(path, {method = 'GET', body, minPosition} = {}) {
  const headers = {Authorization: `Bearer ${session?.access ?? ''}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (minPosition) headers['X-Kyros-Min-Position'] = String(minPosition);
  const init = {method, headers, body: body === undefined ? undefined : JSON.stringify(body)};
  return fetch(path, init);
}

/** `data` of the envelope. `minPosition` (a WebSocket message's position) asks for read models
 * that include that event; when they cannot yet (503), the current view is read instead. */
export async function api(path, options = {}) {
  let response = await send(path, options);
  if (response.status === 503 && options.minPosition) {
    response = await send(path, {...options, minPosition: undefined});
  }
  if (response.status === 401 && (await refresh())) response = await send(path, options);
  if (response.status === 401) {
    session = null;
    expired('Your session has ended. Sign in again.');
  }
  return envelope(response);
}

export async function logout() {
  try {
    if (session) await send('/v1/auth/logout', {method: 'POST'});
  } finally {
    session = null;
  }
}
