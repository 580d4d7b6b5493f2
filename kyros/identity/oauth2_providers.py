"""OAuth2 login providers: configuration, the built-in presets, environment loading and errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import msgspec

from kyros.domain.errors import DomainError, NotFound

ProfileSource = Literal["oidc", "github"]
ClientAuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]

OIDC_SCOPES = ("openid", "email", "profile")
TENANT_ID_PLACEHOLDER = "{tenantid}"
_MICROSOFT = "https://login.microsoftonline.com"
_MICROSOFT_CONSUMERS_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
_ENV_PREFIX = "KYROS_OAUTH2_"
_CLIENT_ID_KEY = re.compile(rf"{_ENV_PREFIX}([A-Z0-9][A-Z0-9_]*)_CLIENT_ID")
_URL_FIELDS = ("issuer", "authorize_url", "token_url", "userinfo_url", "jwks_url", "redirect_uri")


class ProviderConfig(msgspec.Struct, frozen=True, kw_only=True):
    """One login provider; `issuer` enables discovery, explicit endpoints override it.

    An ID token is verified whenever a JWKS URL is known (configured or discovered) and the
    scopes include `openid`; otherwise the profile comes from `userinfo_url` (an OIDC userinfo
    document) or, for `profile="github"`, from GitHub's user and e-mail APIs.
    `issuer_aliases` are further accepted `iss` values; `{tenantid}` in one stands for the
    token's `tid` claim (Microsoft's multi-tenant endpoints).
    """

    name: str
    client_id: str
    client_secret: str = ""
    redirect_uri: str
    scopes: tuple[str, ...] = OIDC_SCOPES
    issuer: str | None = None
    issuer_aliases: tuple[str, ...] = ()
    authorize_url: str | None = None
    token_url: str | None = None
    userinfo_url: str | None = None
    jwks_url: str | None = None
    profile: ProfileSource = "oidc"
    client_auth_method: ClientAuthMethod = "client_secret_basic"

    def __repr__(self) -> str:
        secret = "'***'" if self.client_secret else "''"
        return (
            f"ProviderConfig(name={self.name!r}, client_id={self.client_id!r}, "
            f"client_secret={secret}, issuer={self.issuer!r}, redirect_uri={self.redirect_uri!r})"
        )

    @property
    def discovers(self) -> bool:
        """Discovery is needed while an issuer is set and any endpoint is still unknown."""
        needed = (self.authorize_url, self.token_url, self.jwks_url)
        return self.issuer is not None and not all(needed)


class Endpoints(msgspec.Struct, frozen=True, kw_only=True):
    authorize_url: str
    token_url: str
    userinfo_url: str | None
    jwks_url: str | None
    issuer: str | None


class InvalidOAuth2Config(ValueError):
    """A provider's settings cannot work; raised at start-up, never for a request."""


class UnknownOAuth2Provider(NotFound):
    def __init__(self, provider: str) -> None:
        super().__init__(f"OAuth2 provider {provider[:64]!r} is not configured", field="provider")


class InvalidOAuth2Callback(DomainError):
    """The callback's parameters are missing or malformed (before any state is consumed)."""


class OAuth2LoginRefused(DomainError):
    """The login cannot be trusted; `reason` is a short code for logs, never a secret."""

    code = "UNAUTHORIZED"
    status = 401

    def __init__(self, issue: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(issue, field=field)
        self.reason = reason


class OAuth2ProviderUnavailable(DomainError):
    """The provider could not be reached or answered something unusable."""

    code = "SERVICE_UNAVAILABLE"
    status = 503


def google(client_id: str, client_secret: str, redirect_uri: str) -> ProviderConfig:
    """Google's `iss` is documented as either form, with or without the scheme."""
    return ProviderConfig(
        name="google",
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        issuer="https://accounts.google.com",
        issuer_aliases=("accounts.google.com",),
    )


def microsoft(
    client_id: str, client_secret: str, redirect_uri: str, tenant: str = "common"
) -> ProviderConfig:
    """`common`, `organizations` and `consumers` publish a templated or fixed-tenant issuer."""
    aliases: tuple[str, ...] = ()
    if tenant in ("common", "organizations", "consumers"):
        aliases = (f"{_MICROSOFT}/{TENANT_ID_PLACEHOLDER}/v2.0",)
    if tenant == "consumers":
        aliases += (f"{_MICROSOFT}/{_MICROSOFT_CONSUMERS_TENANT}/v2.0",)
    return ProviderConfig(
        name="microsoft",
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        issuer=f"{_MICROSOFT}/{tenant}/v2.0",
        issuer_aliases=aliases,
    )


def github(client_id: str, client_secret: str, redirect_uri: str) -> ProviderConfig:
    """GitHub has no OpenID Connect for users: the profile comes from its REST API."""
    return ProviderConfig(
        name="github",
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        scopes=("read:user", "user:email"),
        authorize_url="https://github.com/login/oauth/authorize",
        token_url="https://github.com/login/oauth/access_token",  # noqa: S106 - a URL
        userinfo_url="https://api.github.com/user",
        profile="github",
        client_auth_method="client_secret_post",
    )


def providers_from_env(environ: Mapping[str, str]) -> dict[str, ProviderConfig]:
    """Every provider whose `KYROS_OAUTH2_<NAME>_CLIENT_ID` is set, keyed by its name.

    `<NAME>` is lower-cased with `_` turned into `-` (`ACME_SSO` → `acme-sso`); `google`,
    `microsoft` and `github` start from their presets, any other name is a custom provider.
    Per provider: `_CLIENT_SECRET`, `_REDIRECT_URI` (else `KYROS_OAUTH2_REDIRECT_URI` with
    `{provider}` replaced), `_SCOPES` (space or comma separated), `_ISSUER`, `_AUTHORIZE_URL`,
    `_TOKEN_URL`, `_USERINFO_URL`, `_JWKS_URL` and, for Microsoft, `_TENANT`.
    """
    providers: dict[str, ProviderConfig] = {}
    for key in sorted(environ):
        match = _CLIENT_ID_KEY.fullmatch(key)
        if match is None or not environ[key].strip():
            continue
        config = _from_env(match.group(1), environ)
        providers[config.name] = config
    return providers


def _from_env(env_name: str, environ: Mapping[str, str]) -> ProviderConfig:
    def get(suffix: str) -> str | None:
        value = environ.get(f"{_ENV_PREFIX}{env_name}_{suffix}", "").strip()
        return value or None

    name = env_name.lower().replace("_", "-")
    template = environ.get(f"{_ENV_PREFIX}REDIRECT_URI", "").strip()
    redirect_uri = get("REDIRECT_URI") or template.replace("{provider}", name)
    if not redirect_uri:
        raise InvalidOAuth2Config(f"{_ENV_PREFIX}{env_name}_REDIRECT_URI is not set")
    client_id, secret = get("CLIENT_ID") or "", get("CLIENT_SECRET") or ""
    if name == "google":
        config = google(client_id, secret, redirect_uri)
    elif name == "microsoft":
        config = microsoft(client_id, secret, redirect_uri, get("TENANT") or "common")
    elif name == "github":
        config = github(client_id, secret, redirect_uri)
    else:
        config = ProviderConfig(name=name, client_id=client_id, redirect_uri=redirect_uri)
    overrides: dict[str, object] = {"client_secret": secret}
    for field in _URL_FIELDS[:-1]:
        value = get(field.upper())
        if value is not None:
            overrides[field] = value
    scopes = get("SCOPES")
    if scopes is not None:
        overrides["scopes"] = tuple(s for s in re.split(r"[\s,]+", scopes) if s)
    if not secret:
        overrides["client_auth_method"] = "none"
    return validated(msgspec.structs.replace(config, **overrides))


def validated(config: ProviderConfig) -> ProviderConfig:
    """Refuses a configuration that could never complete a login."""
    if not config.name or not config.client_id:
        raise InvalidOAuth2Config("an OAuth2 provider needs a name and a client id")
    where = f"OAuth2 provider {config.name!r}"
    if config.issuer is None and not (config.authorize_url and config.token_url):
        raise InvalidOAuth2Config(f"{where} needs an issuer or authorize and token URLs")
    if config.issuer is None and not (config.userinfo_url or config.profile == "github"):
        if config.jwks_url is not None:
            raise InvalidOAuth2Config(f"{where} needs an issuer to check its ID tokens")
        raise InvalidOAuth2Config(f"{where} needs an issuer or a userinfo URL")
    for field in _URL_FIELDS:
        value = getattr(config, field)
        if value is not None and not value.startswith(("https://", "http://")):
            raise InvalidOAuth2Config(f"{where}: {field} must be an absolute http(s) URL")
    return config
