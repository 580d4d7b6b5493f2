"""A read model that cannot apply an event halts there, visibly, and nothing else stops: the
server starts, other read models advance, writes do not wait for it, health and an alert name
it. Before, one such event (a NUL on PostgreSQL) made every write wait the whole
read-your-writes timeout and, in the users read model, kept `kyros serve` from starting."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import IssueApiKey, RevokeApiKey, issue_api_key, revoke_api_key
from kyros.domain.api_key import ApiKey
from kyros.projections.failures import ProjectionStuck
from kyros.settings import Settings
from tests.builders.aggregates import new_user
from tests.builders.commands import make_api_key, make_user
from tests.conftest import LiveServer
from tests.e2e.test_cli import run_cli, serving
from tests.http_client import http_client
from tests.integration.helpers import table

pytestmark = pytest.mark.both_stores  # projection failures and text each store holds differently

PATIENT = 30.0  # read-your-writes timeout here: a write that waited for it is unmistakable


def _append_poison(kyros: Kyros) -> int:
    """A real stored event the users read model cannot apply (no username: NOT NULL)."""
    return kyros.app.save_all(new_user(username=None))


def _until(condition: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return result


def test_a_poisoned_read_model_blocks_neither_startup_nor_writes_and_health_names_it(
    settings: Settings,
) -> None:
    settings = msgspec.structs.replace(settings, read_your_writes_seconds=PATIENT)
    with Kyros(settings) as before:
        poison = _append_poison(before)
    started = time.monotonic()
    with Kyros(settings) as kyros:
        kyros.ensure_admin()  # reads the users read model: it raised on the poisoned event
        for _ in range(3):  # CLI commands reading it count failed attempts too
            with pytest.raises(ProjectionStuck):
                kyros.engine.catch_up("users", 500)
        admin = make_api_key(kyros, "admin")
        with LiveServer(kyros) as url, http_client(base_url=url, timeout=PATIENT * 2) as http:
            assert time.monotonic() - started < PATIENT
            http.headers["Authorization"] = f"Bearer {admin.key}"

            sent = time.monotonic()
            created = http.post("/v1/tasks", json={"title": "after the poison"})
            assert created.status_code == 201
            assert time.monotonic() - sent < PATIENT / 2  # it waited for every read model
            listed = http.get("/v1/tasks").json()["data"]["tasks"]
            assert [t["title"] for t in listed] == ["after the poison"]

            report = _until(lambda: _stuck_report(http))
            users = report["projections"]["users"]
            assert users["failure"]["position"] == poison
            assert users["failure"]["event_type"].endswith("User.Created")
            assert "null" in users["failure"]["error"].lower()  # the constraint it broke
            assert users["position"] == poison - 1
            assert report["overall_status"] == "degraded"
            assert any("users" in issue and str(poison) in issue for issue in report["issues"])
            assert report["projections"]["tasks"]["status"] == "ok"

            alerts = _until(lambda: _projection_alerts(http))
            assert alerts[0]["severity"] == "critical"
            assert alerts[0]["details"]["projection"] == "users"
            assert alerts[0]["details"]["position"] == poison


def _stuck_report(http: httpx.Client) -> dict[str, Any] | None:
    report: dict[str, Any] = http.get("/v1/monitoring/health").json()["data"]
    return report if report["projections"]["users"]["status"] == "stuck" else None


def _projection_alerts(http: httpx.Client) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = http.get(
        "/v1/monitoring/alerts", params={"type": "projection_failed"}
    ).json()["data"]["alerts"]
    return alerts


def test_other_read_models_and_revocation_keep_working_past_a_poisoned_one(
    kyros: Kyros,
) -> None:
    poison = _append_poison(kyros)
    key = make_api_key(kyros, "viewer")
    revoke_api_key(kyros.app, RevokeApiKey(key_id=key.id, actor="test"))
    head = kyros.app.head()
    with pytest.raises(ProjectionStuck):
        kyros.engine.catch_up("users", 500)
    for name in kyros.engine.projections:
        if name != "users":
            assert kyros.engine.catch_up(name, 500) == head
    assert table(kyros.db, "rm_api_keys", "id")[0]["revoked_by"] == "test"
    assert kyros.engine.position("users") == poison - 1
    failure = kyros.engine.failure("users")
    assert failure is not None and failure.position == poison


def test_an_event_holding_text_postgresql_cannot_store_is_still_projected(
    kyros: Kyros, store: str
) -> None:
    """Events stored before the boundary refused NUL: PostgreSQL's read model replaces it."""
    make_user(kyros, "nul", ["viewer"], "long enough password", email=None, name="a\x00b")
    assert kyros.engine.catch_up("users", 500) == kyros.app.head()
    assert kyros.engine.failure("users") is None
    expected = "a\ufffdb" if store == "postgres" else "a\x00b"
    assert [row["name"] for row in table(kyros.db, "rm_users", "id")] == [expected]


def test_kyros_serve_starts_on_a_log_its_users_read_model_cannot_apply(tmp_path: Path) -> None:
    """The outage as it happened: the first-admin check read the stuck users read model."""
    with Kyros(Settings(data_dir=tmp_path)) as before:
        poison = _append_poison(before)
    with serving(tmp_path) as served:
        assert httpx.get(f"{served.url}/v1/health/live", timeout=10).status_code == 200
    status = run_cli(tmp_path, "projections", "status")
    users_row = next(line for line in status.stdout.splitlines() if "users" in line)
    assert f"event {poison}:" in users_row
    rebuilt = run_cli(tmp_path, "projections", "rebuild", "users")
    assert rebuilt.returncode == 1
    assert f"cannot apply event {poison}" in rebuilt.stderr


def test_a_key_revoked_behind_a_poisoned_keys_read_model_is_refused_and_a_new_one_works(
    kyros: Kyros, base_url: str
) -> None:
    """The issue's permanent outage, end to end: the keys read model stuck for good must not
    keep a revoked key alive, nor lock out a key made after the poison."""
    kept, revoked = make_api_key(kyros, "viewer"), make_api_key(kyros, "viewer")
    poison = ApiKey(
        key_id=ULID().to_uuid(),
        name=None,  # type: ignore[arg-type]  # rm_api_keys.name is NOT NULL
        prefix="poison01",
        key_hash="x",
        role="viewer",
        actor="test",
    )
    kyros.app.save_all(poison)
    revoke_api_key(kyros.app, RevokeApiKey(key_id=revoked.id, actor="test"))
    fresh = issue_api_key(kyros.app, IssueApiKey(name="after", role="viewer", actor="test"))
    with pytest.raises(ProjectionStuck):
        kyros.engine.catch_up("api_keys", 500)

    def status(key: str) -> int:
        answer = httpx.get(f"{base_url}/v1/tasks", headers={"Authorization": f"Bearer {key}"})
        return answer.status_code

    assert status(revoked.key) == 401
    assert status(kept.key) == 200
    assert status(fresh.key.plaintext) == 200
    assert table(kyros.db, "rm_api_keys", "id")[1]["revoked_by"] is None  # the model is behind


def test_a_read_asking_for_a_position_a_halted_read_model_never_reached_is_503(
    settings: Settings,
) -> None:
    """The token promises the write is in what the route reads: a read model halted before it
    does not have it, so the read is refused (as one still behind at the bound), not answered
    from it; a route that does not read it answers."""
    settings = msgspec.structs.replace(settings, read_your_writes_seconds=0.5)
    with Kyros(settings) as kyros:
        poison = _append_poison(kyros)
        admin = make_api_key(kyros, "admin")
        _until(lambda: kyros.engine.failure("users") is not None or _step_users(kyros))
        token = {"X-Kyros-Min-Position": str(poison)}
        with LiveServer(kyros) as url, http_client(base_url=url, timeout=10) as http:
            http.headers["Authorization"] = f"Bearer {admin.key}"
            refused = http.get("/v1/users", headers=token)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "1"
            assert refused.json()["error"]["details"]["field"] == "X-Kyros-Min-Position"
            assert http.get("/v1/tasks", headers=token).status_code == 200


def _step_users(kyros: Kyros) -> bool:
    with pytest.raises(ProjectionStuck):
        kyros.engine.catch_up("users", 500)
    return True
