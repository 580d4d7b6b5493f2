"""OAuth2/OpenID Connect login: authorization URL with state and PKCE, then a verified identity."""

from __future__ import annotations

import ipaddress
import secrets
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx2
from authlib.integrations.httpx_client import OAuth2Client, OAuthError

from kyros.identity.oauth2_claims import (
    ExternalIdentity,
    github_identity,
    identity_from_claims,
    issuer_accepted,
    refused,
    verify_id_token,
)
from kyros.identity.oauth2_providers import (
    Endpoints,
    InvalidOAuth2Callback,
    OAuth2LoginRefused,
    OAuth2ProviderUnavailable,
    ProviderConfig,
    UnknownOAuth2Provider,
)
from kyros.identity.oauth2_states import StateStore

__all__ = ["ExternalIdentity", "OAuth2Login"]

MAX_PARAM_CHARS = 2048
_LOOPBACK_NAMES = ("localhost",)


class OAuth2Login:
    """The engine behind GET /auth/oauth2/{provider} and POST …/callback; blocking I/O.

    Call it from a worker thread (`kyros.http.dependencies.in_thread`). Outbound requests
    time out, never follow redirects and need https, except to loopback hosts when
    `allow_insecure_loopback` is set (tests and local identity providers only).
    """

    def __init__(
        self,
        providers: Mapping[str, ProviderConfig],
        states: StateStore,
        *,
        state_ttl: timedelta = timedelta(minutes=10),
        timeout: float = 10.0,
        allow_insecure_loopback: bool = False,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self._providers = dict(providers)
        self._states = states
        self._state_ttl = state_ttl
        self._insecure_loopback = allow_insecure_loopback
        self._client_options: dict[str, Any] = {
            "timeout": timeout,
            "follow_redirects": False,
            "trust_env": False,
            "transport": None if transport is None else _Borrowed(transport),
        }
        self._lock = threading.Lock()
        self._endpoints: dict[str, Endpoints] = {}
        self._jwks: dict[str, dict[str, Any]] = {}

    def start(self, provider: str, now: datetime) -> tuple[str, str]:
        """Returns (authorization URL to redirect the browser to, state); remembers both."""
        config = self._config(provider)
        endpoints = self.endpoints(config)
        state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(24) if _uses_id_token(config, endpoints) else ""
        self._states.purge_expired(now)
        self._states.put(state, provider, verifier, nonce, now + self._state_ttl)
        extra = {"nonce": nonce} if nonce else {}
        with self._oauth_client(config) as client:
            url, _ = client.create_authorization_url(
                endpoints.authorize_url, state=state, code_verifier=verifier, **extra
            )
        return url, state

    def finish(
        self, provider: str, code: str, state: str, now: datetime, *, issuer: str | None = None
    ) -> ExternalIdentity:
        """Consumes the state, exchanges the code and returns the verified identity.

        `issuer` is the callback's `iss` parameter (RFC 9207) when the provider sent one.
        """
        config = self._config(provider)
        for field, value in (("code", code), ("state", state)):
            if not value or len(value) > MAX_PARAM_CHARS or not value.isascii():
                raise InvalidOAuth2Callback(f"{field} is missing or malformed", field=field)
        entry = self._states.take(state)
        if entry is None:
            raise refused("state is unknown or was already used", "state_unknown", "state")
        if entry.provider != provider:
            raise refused("state was issued for another provider", "state_provider", "state")
        if now >= entry.expires_at:
            raise refused("state has expired; start the login again", "state_expired", "state")
        endpoints = self.endpoints(config)
        if issuer is not None and not issuer_accepted(issuer, config, endpoints.issuer, None):
            raise refused("the callback came from another issuer", "issuer_mismatch", "iss")
        with self._oauth_client(config) as client:
            token = self._exchange(client, config, endpoints, code, entry.code_verifier)
            if _uses_id_token(config, endpoints):
                claims = self._verified_id_token(config, endpoints, token, entry.nonce, now)
                if not claims.get("email") and endpoints.userinfo_url:
                    claims = {**self._userinfo(client, config, endpoints, claims), **claims}
                return identity_from_claims(config.name, claims)
            if config.profile == "github":
                return github_identity(config.name, self._github(client, config, endpoints))
            return identity_from_claims(
                config.name, self._userinfo(client, config, endpoints, None)
            )

    def endpoints(self, config: ProviderConfig) -> Endpoints:
        """Configured endpoints, completed once from the issuer's discovery document."""
        with self._lock:
            known = self._endpoints.get(config.name)
        if known is not None:
            return known
        document = self._discover(config) if config.discovers else {}
        endpoints = Endpoints(
            authorize_url=config.authorize_url or document.get("authorization_endpoint") or "",
            token_url=config.token_url or document.get("token_endpoint") or "",
            userinfo_url=config.userinfo_url or document.get("userinfo_endpoint"),
            jwks_url=config.jwks_url or document.get("jwks_uri"),
            issuer=document.get("issuer") or config.issuer,
        )
        for url in (endpoints.authorize_url, endpoints.token_url):
            self._check_url(config, url)
        with self._lock:
            self._endpoints[config.name] = endpoints
        return endpoints

    def _config(self, provider: str) -> ProviderConfig:
        config = self._providers.get(provider)
        if config is None:
            raise UnknownOAuth2Provider(provider)
        return config

    def _discover(self, config: ProviderConfig) -> dict[str, Any]:
        url = f"{(config.issuer or '').rstrip('/')}/.well-known/openid-configuration"
        document = self._get_json(config, url, "discovery document")
        if not isinstance(document.get("issuer"), str):
            raise _unavailable(config, "its discovery document names no issuer")
        if not issuer_accepted(document["issuer"], config, None, None):
            raise _unavailable(config, "its discovery document names another issuer")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
            if key in document and not isinstance(document[key], str):
                raise _unavailable(config, f"its discovery document has a bad {key}")
        return document

    def _exchange(
        self,
        client: OAuth2Client,
        config: ProviderConfig,
        endpoints: Endpoints,
        code: str,
        verifier: str,
    ) -> dict[str, Any]:
        try:
            return dict(client.fetch_token(endpoints.token_url, code=code, code_verifier=verifier))
        except OAuthError as exc:
            reason = f"token_{exc.error}"[:64]
            raise refused(f"{config.name} refused the authorization code", reason, "code") from None
        except (httpx2.HTTPError, ValueError):
            raise _unavailable(config, "its token endpoint failed") from None

    def _verified_id_token(
        self,
        config: ProviderConfig,
        endpoints: Endpoints,
        token: Mapping[str, Any],
        nonce: str,
        now: datetime,
    ) -> dict[str, Any]:
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise refused(f"{config.name} sent no ID token", "id_token_missing", "code")
        jwks_url = endpoints.jwks_url or ""
        with self._lock:
            jwks = self._jwks.get(jwks_url)
        for attempt in range(2):  # a second, fresh JWKS when the key id is new (rotation)
            if jwks is None or attempt:
                jwks = self._get_json(config, jwks_url, "JWKS")
                with self._lock:
                    self._jwks[jwks_url] = jwks
            try:
                return verify_id_token(
                    id_token, jwks=jwks, config=config, endpoints=endpoints, nonce=nonce, now=now
                )
            except OAuth2LoginRefused as exc:
                if exc.reason != "id_token_unknown_key" or attempt:
                    raise
        raise AssertionError("unreachable")

    def _userinfo(
        self,
        client: OAuth2Client,
        config: ProviderConfig,
        endpoints: Endpoints,
        id_claims: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        url = endpoints.userinfo_url or ""
        claims = self._get_json(config, url, "userinfo", client)
        if id_claims is not None and claims.get("sub") != id_claims.get("sub"):
            raise refused("userinfo names another subject", "userinfo_subject", "code")
        return claims

    def _github(
        self, client: OAuth2Client, config: ProviderConfig, endpoints: Endpoints
    ) -> dict[str, Any]:
        user = self._get_json(config, endpoints.userinfo_url or "", "user", client)
        emails_url = f"{(endpoints.userinfo_url or '').rstrip('/')}/emails"
        emails = self._get_json(config, emails_url, "user e-mails", client, want=list)
        return {**user, "emails": emails}

    def _get_json(
        self,
        config: ProviderConfig,
        url: str,
        what: str,
        client: httpx2.Client | None = None,
        want: type = dict,
    ) -> Any:
        self._check_url(config, url)
        try:
            if client is not None:
                response = client.get(url, headers={"Accept": "application/json"})
            else:
                with httpx2.Client(**self._client_options) as plain:
                    response = plain.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx2.HTTPError, ValueError):
            raise _unavailable(config, f"its {what} could not be fetched") from None
        if not isinstance(body, want):
            raise _unavailable(config, f"its {what} is not a JSON {want.__name__}")
        return body

    def _oauth_client(self, config: ProviderConfig) -> OAuth2Client:
        return OAuth2Client(
            client_id=config.client_id,
            client_secret=config.client_secret or None,
            token_endpoint_auth_method=config.client_auth_method,
            scope=" ".join(config.scopes),
            redirect_uri=config.redirect_uri,
            code_challenge_method="S256",
            **self._client_options,
        )

    def _check_url(self, config: ProviderConfig, url: str) -> None:
        try:
            parsed = httpx2.URL(url)
        except (httpx2.InvalidURL, TypeError):
            raise _unavailable(config, "an endpoint is not a valid URL") from None
        if parsed.scheme == "https" and parsed.host:
            return
        if self._insecure_loopback and parsed.scheme == "http" and _is_loopback(parsed.host):
            return
        raise _unavailable(config, "an endpoint is not an https URL")


class _Borrowed(httpx2.BaseTransport):
    """An injected transport outlives the per-login clients that would otherwise close it."""

    def __init__(self, inner: httpx2.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        return self._inner.handle_request(request)


def _uses_id_token(config: ProviderConfig, endpoints: Endpoints) -> bool:
    return config.profile == "oidc" and "openid" in config.scopes and bool(endpoints.jwks_url)


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _unavailable(config: ProviderConfig, what: str) -> OAuth2ProviderUnavailable:
    return OAuth2ProviderUnavailable(f"OAuth2 provider {config.name!r} is unavailable: {what}")
