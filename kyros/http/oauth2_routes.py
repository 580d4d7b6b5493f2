"""OAuth2 login: GET /v1/auth/oauth2/{provider} redirects, POST …/callback signs the user in."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.oauth2_logins import LogInWithProvider
from kyros.commands.sessions import Session
from kyros.domain.errors import DomainError
from kyros.http.auth import PUBLIC
from kyros.http.auth_routes import login_response
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.docs import ANONYMOUS
from kyros.http.envelope import MEDIA_TYPE, ok
from kyros.http.forms import FORM, UnsupportedMediaType, read_form
from kyros.identity.oauth2 import MAX_PARAM_CHARS, ExternalIdentity
from kyros.identity.oauth2_providers import OAuth2LoginRefused, UnknownOAuth2Provider
from kyros.queries.configuration import get_configuration
from kyros.queries.identity import user_ids_with_email
from kyros.timefmt import now

log = logging.getLogger(__name__)

_CALLBACK_FIELDS = {"code": MAX_PARAM_CHARS, "state": MAX_PARAM_CHARS, "iss": MAX_PARAM_CHARS}
_ERROR_FIELDS = {"error": 100}
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")  # RFC 6749 §4.1.2.1 codes; anything else is not echoed
_NO_STORE = {"Cache-Control": "no-store"}
_REDIRECT = ResponseSpec(
    data_container=None, description="To the provider's authorization URL (`Location`)"
)


class OAuth2Controller(Controller):
    path = "/auth/oauth2"
    tags = ["Authentication"]
    opt = {**PUBLIC, **reads("users", "configuration")}
    security = ANONYMOUS

    @get("/", operation_id="ListOAuth2Providers")
    async def providers(self, request: Request[Any, Any, Any], kyros: Kyros) -> Response[bytes]:
        """The configured providers' names, so a sign-in page can offer one button each."""
        return ok(request, {"providers": sorted(kyros.settings.oauth2_providers)})

    @get("/{provider:str}", operation_id="StartOAuth2Login", responses={302: _REDIRECT})
    async def start(
        self, request: Request[Any, Any, Any], kyros: Kyros, provider: str
    ) -> Response[bytes]:
        """302 to the provider, with state, PKCE (S256) and, for OpenID Connect, a nonce; with
        `Accept: application/json`, 200 and `{authorization_url, state}` instead."""
        url, state = await in_thread(kyros.oauth2.start, provider, now())
        if request.accept.best_match(["text/html", MEDIA_TYPE]) == MEDIA_TYPE:
            data = {"authorization_url": url, "state": state}
            return ok(request, data, headers=_NO_STORE)
        headers = {"Location": url, **_NO_STORE}
        return Response(b"", status_code=302, headers=headers, media_type="text/plain")

    @post("/{provider:str}/callback", operation_id="CompleteOAuth2Login", status_code=200)
    async def callback(
        self, request: Request[Any, Any, Any], kyros: Kyros, provider: str
    ) -> Response[bytes]:
        """`code`, `state` and `iss` (RFC 9207) from the provider's redirect, as JSON or
        form-encoded; answers exactly as POST /v1/auth/login does."""
        if provider not in kyros.settings.oauth2_providers:
            raise UnknownOAuth2Provider(provider)
        fields = await _callback_fields(request)
        identity = await in_thread(_finish, kyros, provider, fields)
        return ok(request, await _sign_in(kyros, identity))


async def _callback_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    limits = _CALLBACK_FIELDS | _ERROR_FIELDS
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == FORM:
        return await read_form(request, limits)
    if media_type != MEDIA_TYPE:
        raise UnsupportedMediaType(f"Must be {MEDIA_TYPE} or {FORM}", field="Content-Type")
    try:
        body = msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        raise DomainError("Malformed JSON", field="body") from None
    if not isinstance(body, dict):
        raise DomainError("Must be a JSON object", field="body")
    fields: dict[str, str] = {}
    for name, limit in limits.items():
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise DomainError("Must be a string", field=name)
        if len(value) > limit:
            raise DomainError(f"Must be at most {limit} characters", field=name)
        fields[name] = value
    return fields


def _finish(kyros: Kyros, provider: str, fields: dict[str, str]) -> ExternalIdentity:
    """Refusals are logged by reason only: never a code, a state or a token."""
    try:
        if "error" in fields:
            error = fields["error"] if _ERROR_CODE.fullmatch(fields["error"]) else "an error"
            issue = f"The provider did not authorize the login ({error})"
            raise OAuth2LoginRefused(issue, reason="provider_error", field="error")
        code, state = fields.get("code", ""), fields.get("state", "")
        issuer = fields.get("iss") or None
        return kyros.oauth2.finish(provider, code, state, now(), issuer=issuer)
    except OAuth2LoginRefused as refused:
        log.info("OAuth2 login with %s refused: %s", provider, refused.reason)
        raise


async def _sign_in(kyros: Kyros, identity: ExternalIdentity) -> dict[str, Any]:
    owners: list[str] = []
    if identity.email and identity.email_verified:
        owners = await in_thread(user_ids_with_email, kyros.db, identity.email)
    security = (await in_thread(get_configuration, kyros.db))["security"]
    command = LogInWithProvider(
        identity=identity,
        email_owners=owners,
        default_role=kyros.settings.oauth2_default_role,
        user_id=ULID().to_uuid(),
        family_id=ULID().to_uuid(),
        token_id=secrets.token_urlsafe(16),
    )
    session: Session = await kyros.execute(command)
    return login_response(kyros, session, security["jwt_expiration_hours"])
