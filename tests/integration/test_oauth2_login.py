"""OAuth2 login end to end against a real OpenID Connect provider (oidc-provider) on loopback."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx2
import msgspec
import pytest

from kyros.identity.oauth2 import ExternalIdentity, OAuth2Login
from kyros.identity.oauth2_claims import verify_id_token
from kyros.identity.oauth2_providers import (
    OAuth2LoginRefused,
    OAuth2ProviderUnavailable,
    ProviderConfig,
    UnknownOAuth2Provider,
    providers_from_env,
)
from kyros.identity.oauth2_states import MemoryStateStore, SqlStateStore, StateStore
from kyros.readstore.database import open_database
from kyros.settings import Settings
from tests.oauth2_provider.fixture import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    running_provider,
    sign_in,
)

pytestmark = pytest.mark.both_stores  # store-level: identity reads and writes


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with running_provider() as url:
        yield url


class Recorder(httpx2.BaseTransport):
    """Passes every request to the network and keeps the token endpoint's exchanges."""

    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.token_requests: list[dict[str, str]] = []
        self.token_responses: list[dict[str, Any]] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        if request.url.path == "/token":
            self.token_requests.append(dict(parse_qsl(request.read().decode())))
            response.read()
            self.token_responses.append(response.json())
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    transport = Recorder()
    yield transport
    transport.close()


def custom(issuer: str, name: str = "local", **changes: Any) -> ProviderConfig:
    config = ProviderConfig(
        name=name,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=REDIRECT_URI,
        issuer=issuer,
    )
    return msgspec.structs.replace(config, **changes)


def login_service(
    *configs: ProviderConfig, states: StateStore | None = None, transport: Any = None
) -> OAuth2Login:
    return OAuth2Login(
        {c.name: c for c in configs},
        states or MemoryStateStore(),
        allow_insecure_loopback=True,
        transport=transport,
    )


def swap(states: MemoryStateStore, state: str, **changes: str) -> None:
    """Replaces what the server remembered for `state` (a stand-in for a mixed-up login)."""
    entry = states.take(state)
    assert entry is not None
    fields = {"verifier": entry.code_verifier, "nonce": entry.nonce, **changes}
    states.put(state, entry.provider, fields["verifier"], fields["nonce"], entry.expires_at)


def now() -> datetime:
    return datetime.now(UTC)


def refusal(excinfo: pytest.ExceptionInfo[OAuth2LoginRefused]) -> str:
    text = str(excinfo.value)
    assert CLIENT_SECRET not in text
    assert excinfo.value.code == "UNAUTHORIZED"
    return excinfo.value.reason


def test_a_user_signs_in_through_the_provider_and_is_identified(issuer: str) -> None:
    login = login_service(custom(issuer))
    url, state = login.start("local", now())
    callback = sign_in(url)
    assert callback["state"] == state
    identity = login.finish("local", callback["code"], state, now(), issuer=callback["iss"])
    assert identity == ExternalIdentity(
        provider="local",
        subject="alice",
        email="alice@example.test",
        email_verified=True,
        name="Alice Example",
    )


def test_the_pkce_verifier_sent_with_the_code_matches_the_challenge(
    issuer: str, recorder: Recorder
) -> None:
    login = login_service(custom(issuer), transport=recorder)
    url, state = login.start("local", now())
    query = parse_qs(urlsplit(url).query)
    login.finish("local", sign_in(url)["code"], state, now())
    verifier = recorder.token_requests[0]["code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [base64.urlsafe_b64encode(digest).rstrip(b"=").decode()]


def test_the_provider_refuses_the_code_with_a_wrong_pkce_verifier(issuer: str) -> None:
    states = MemoryStateStore()
    login = login_service(custom(issuer), states=states)
    url, state = login.start("local", now())
    code = sign_in(url)["code"]
    swap(states, state, verifier="x" * 64)
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        login.finish("local", code, state, now())
    assert refusal(excinfo) == "token_invalid_grant"
    assert code not in str(excinfo.value)


def test_a_state_cannot_be_used_twice(issuer: str) -> None:
    login = login_service(custom(issuer))
    url, state = login.start("local", now())
    code = sign_in(url)["code"]
    login.finish("local", code, state, now())
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        login.finish("local", code, state, now())
    assert refusal(excinfo) == "state_unknown"


def test_a_tampered_state_is_refused_and_the_genuine_one_still_completes(issuer: str) -> None:
    login = login_service(custom(issuer))
    url, state = login.start("local", now())
    code = sign_in(url)["code"]
    tampered = state[:-1] + ("A" if state[-1] != "A" else "B")
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        login.finish("local", code, tampered, now())
    assert refusal(excinfo) == "state_unknown"
    assert login.finish("local", code, state, now()).subject == "alice"


def test_an_expired_state_is_refused_even_with_a_valid_code(issuer: str) -> None:
    login = login_service(custom(issuer))
    started = now()
    url, state = login.start("local", started)
    code = sign_in(url)["code"]
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        login.finish("local", code, state, started + timedelta(minutes=10))
    assert refusal(excinfo) == "state_expired"
    with pytest.raises(OAuth2LoginRefused) as again:
        login.finish("local", code, state, started)
    assert refusal(again) == "state_unknown"


def test_a_state_issued_for_another_provider_is_refused(issuer: str) -> None:
    login = login_service(custom(issuer), custom(issuer, name="twin"))
    url, state = login.start("local", now())
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        login.finish("twin", sign_in(url)["code"], state, now())
    assert refusal(excinfo) == "state_provider"


def test_an_id_token_whose_nonce_does_not_match_the_login_is_refused(issuer: str) -> None:
    states = MemoryStateStore()
    login = login_service(custom(issuer), states=states)
    url, state = login.start("local", now())
    code = sign_in(url)["code"]
    swap(states, state, nonce="a-nonce-from-another-login")
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        login.finish("local", code, state, now())
    assert refusal(excinfo) == "id_token_nonce"


def _real_id_token(issuer: str, recorder: Recorder) -> tuple[OAuth2Login, str, str]:
    login = login_service(custom(issuer), transport=recorder)
    url, state = login.start("local", now())
    login.finish("local", sign_in(url)["code"], state, now())
    nonce = parse_qs(urlsplit(url).query)["nonce"][0]
    return login, recorder.token_responses[0]["id_token"], nonce


def test_an_id_token_issued_to_another_client_is_refused(issuer: str, recorder: Recorder) -> None:
    login, id_token, nonce = _real_id_token(issuer, recorder)
    config = custom(issuer)
    jwks = httpx2.get(f"{issuer}/jwks").json()
    args: dict[str, Any] = {"jwks": jwks, "endpoints": login.endpoints(config), "nonce": nonce}
    assert verify_id_token(id_token, config=config, now=now(), **args)["sub"] == "alice"
    other = msgspec.structs.replace(config, client_id="another-client")
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        verify_id_token(id_token, config=other, now=now(), **args)
    assert refusal(excinfo) == "id_token_audience"
    with pytest.raises(OAuth2LoginRefused) as late:
        verify_id_token(id_token, config=config, now=now() + timedelta(hours=1), **args)
    assert refusal(late) == "id_token_expired"


def test_an_id_token_with_a_forged_signature_is_refused(issuer: str, recorder: Recorder) -> None:
    login, id_token, nonce = _real_id_token(issuer, recorder)
    head, body, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["sub"] = "mallory"
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    config = custom(issuer)
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        verify_id_token(
            f"{head}.{forged_body}.{signature}",
            jwks=httpx2.get(f"{issuer}/jwks").json(),
            config=config,
            endpoints=login.endpoints(config),
            nonce=nonce,
            now=now(),
        )
    assert refusal(excinfo) == "id_token_invalid"


def test_a_callback_naming_another_issuer_is_refused(issuer: str) -> None:
    login = login_service(custom(issuer))
    url, state = login.start("local", now())
    code = sign_in(url)["code"]
    with pytest.raises(OAuth2LoginRefused) as excinfo:
        login.finish("local", code, state, now(), issuer="https://idp.attacker.test")
    assert refusal(excinfo) == "issuer_mismatch"


def test_a_provider_given_explicit_endpoints_identifies_the_user_from_userinfo(
    issuer: str,
) -> None:
    explicit = ProviderConfig(
        name="plain",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=REDIRECT_URI,
        authorize_url=f"{issuer}/auth",
        token_url=f"{issuer}/token",
        userinfo_url=f"{issuer}/me",
    )
    login = login_service(explicit)
    url, state = login.start("plain", now())
    assert "nonce" not in parse_qs(urlsplit(url).query)
    identity = login.finish("plain", sign_in(url)["code"], state, now())
    assert (identity.subject, identity.email, identity.email_verified) == (
        "alice",
        "alice@example.test",
        True,
    )


def test_plain_http_is_refused_unless_loopback_is_explicitly_allowed(issuer: str) -> None:
    strict = OAuth2Login({"local": custom(issuer)}, MemoryStateStore())
    with pytest.raises(OAuth2ProviderUnavailable) as excinfo:
        strict.start("local", now())
    assert excinfo.value.code == "SERVICE_UNAVAILABLE"


def test_an_unknown_provider_is_not_found(issuer: str) -> None:
    with pytest.raises(UnknownOAuth2Provider) as excinfo:
        login_service(custom(issuer)).start("nope", now())
    assert (excinfo.value.code, excinfo.value.field) == ("NOT_FOUND", "provider")


def test_a_custom_provider_configured_from_the_environment_signs_a_user_in(issuer: str) -> None:
    providers = providers_from_env(
        {
            "KYROS_OAUTH2_ACME_SSO_CLIENT_ID": CLIENT_ID,
            "KYROS_OAUTH2_ACME_SSO_CLIENT_SECRET": CLIENT_SECRET,
            "KYROS_OAUTH2_ACME_SSO_ISSUER": issuer,
            "KYROS_OAUTH2_REDIRECT_URI": REDIRECT_URI,
            "KYROS_OAUTH2_GITHUB_CLIENT_ID": "",
            "KYROS_OAUTH2_GOOGLE_CLIENT_ID": "google-client",
        }
    )
    assert sorted(providers) == ["acme-sso", "google"]
    assert providers["google"].issuer == "https://accounts.google.com"
    assert CLIENT_SECRET not in repr(providers["acme-sso"])
    login = login_service(*providers.values())
    url, state = login.start("acme-sso", now())
    assert login.finish("acme-sso", sign_in(url)["code"], state, now()).subject == "alice"


def test_login_states_in_sql_survive_a_new_service_and_are_handed_out_once(
    issuer: str, settings: Settings
) -> None:
    db = open_database(settings)
    try:
        states = SqlStateStore(db)
        states.create()
        url, state = login_service(custom(issuer), states=states).start("local", now())
        code = sign_in(url)["code"]
        other_process = login_service(custom(issuer), states=SqlStateStore(db))
        assert other_process.finish("local", code, state, now()).email == "alice@example.test"
        assert states.take(state) is None
        states.put("old", "local", "v" * 43, "", now() - timedelta(seconds=1))
        states.put("fresh", "local", "v" * 43, "", now() + timedelta(minutes=5))
        assert states.purge_expired(now()) == 1
        assert states.take("fresh") is not None
    finally:
        db.close()
