"""A PostgreSQL that goes silent, refuses connections or drops them: 503 in bounded time, never
500, then recovery without a restart; a committed write is never answered with an error."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.conftest import GENEROUS_LIMITS, LiveServer, _empty_schema
from tests.faults.helpers import BOUND, SLACK, assert_unavailable, eventually, timed, via_port
from tests.faults.proxy import FreezableProxy
from tests.http_client import http_client

pytestmark = pytest.mark.postgres

TASK = {"title": "Survive an outage"}
BUDGET = {"name": "Survive an outage", "period": "daily", "limit": "5.00", "enforcement": "soft"}


@pytest.fixture
def database(postgres_database: str) -> str:
    _empty_schema(postgres_database)
    return postgres_database


@pytest.fixture
def proxy() -> Iterator[FreezableProxy]:
    with FreezableProxy(("127.0.0.1", 5432)) as running:
        yield running


def _serve(url: str, tmp_path: Path, **extra: object) -> tuple[Kyros, LiveServer]:
    settings = Settings(
        database_url=url,
        data_dir=tmp_path,
        projection_poll_seconds=0.1,
        rate_limits=GENEROUS_LIMITS,
        database_timeout_seconds=BOUND,
        postgres_pool_size=4,
        **extra,  # type: ignore[arg-type]
    )
    kyros = Kyros(settings)
    return kyros, LiveServer(kyros)


@pytest.fixture
def served(
    database: str, proxy: FreezableProxy, tmp_path: Path
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """An admin client and an anonymous one, against a Kyros reaching PostgreSQL via `proxy`."""
    kyros, server = _serve(via_port(database, proxy.port), tmp_path)
    with kyros, server as base_url:
        key = make_api_key(kyros, "admin").key
        auth = {"Authorization": f"Bearer {key}"}
        with (
            http_client(base_url=base_url, timeout=60, headers=auth) as client,
            http_client(base_url=base_url, timeout=60) as anonymous,
        ):
            yield client, anonymous
        proxy.thaw()  # let the server's shutdown reach PostgreSQL


def test_a_silent_postgres_answers_503_within_the_bound_and_recovers_after(
    served: tuple[httpx.Client, httpx.Client], proxy: FreezableProxy
) -> None:
    client, anonymous = served
    assert client.post("/v1/tasks", json=TASK).status_code == 201
    proxy.freeze()

    assert_unavailable(timed(lambda: client.post("/v1/tasks", json=TASK)))
    assert_unavailable(timed(lambda: client.get("/v1/tasks")))
    assert_unavailable(timed(lambda: anonymous.get("/v1/health/ready")))
    live = timed(lambda: anonymous.get("/v1/health/live"))
    assert live.response.status_code == 200 and live.seconds < SLACK
    with concurrent.futures.ThreadPoolExecutor(16) as pool:  # more than a pool's connections
        answers = list(pool.map(lambda _: timed(lambda: client.get("/v1/tasks")), range(16)))
    for answer in answers:
        assert_unavailable(answer, bound=2 * BOUND)

    proxy.thaw()
    eventually(lambda: client.post("/v1/tasks", json=TASK), 201)
    assert anonymous.get("/v1/health/ready").status_code == 200
    assert client.get("/v1/tasks").json()["data"]["pagination"]["total"] >= 2


def test_an_unreachable_postgres_answers_503_and_service_resumes_when_it_is_back(
    database: str, proxy: FreezableProxy, tmp_path: Path
) -> None:
    kyros, server = _serve(via_port(database, proxy.port), tmp_path)
    with kyros, server as base_url:
        key = make_api_key(kyros, "admin").key
        with http_client(base_url=base_url, timeout=60, headers={"X-API-Key": key}) as client:
            assert client.post("/v1/tasks", json=TASK).status_code == 201
            proxy.close()  # the port now refuses connections; open ones are reset

            assert_unavailable(timed(lambda: client.post("/v1/tasks", json=TASK)))
            assert_unavailable(timed(lambda: client.get("/v1/tasks")))
            assert_unavailable(timed(lambda: client.get("/v1/health/ready")))

            with FreezableProxy(("127.0.0.1", 5432), port=proxy.port):
                eventually(lambda: client.post("/v1/tasks", json=TASK), 201)
                listed = client.get("/v1/tasks").json()["data"]["pagination"]["total"]
                assert listed == 2


def test_a_write_after_postgres_dropped_every_connection_succeeds_once(
    database: str, tmp_path: Path
) -> None:
    """Pooled connections that died while idle are replaced before a request meets them."""
    kyros, server = _serve(database, tmp_path)
    with kyros, server as base_url:
        key = make_api_key(kyros, "admin").key
        with http_client(base_url=base_url, timeout=60, headers={"X-API-Key": key}) as client:
            assert client.get("/v1/tasks").status_code == 200
            dbname = database.rsplit("/", 1)[1]
            with psycopg.connect(database, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (dbname,),
                )
            created = client.post("/v1/tasks", json=TASK)
            assert created.status_code == 201, created.text
            tasks = eventually(lambda: client.get("/v1/tasks"), 200).response
            assert tasks.json()["data"]["pagination"]["total"] == 1


def test_a_committed_write_whose_read_back_fails_is_answered_as_saved(
    database: str, tmp_path: Path
) -> None:
    """The read model is locked away after the commit: 202 with the position, never an error,
    and the budget is there exactly once when the lock goes. (A budget's create reads it back;
    a task's answers from its command and waits for no read model.)"""
    kyros, server = _serve(database, tmp_path, read_your_writes_seconds=0.5)
    with kyros, server as base_url:
        key = make_api_key(kyros, "admin").key
        with http_client(base_url=base_url, timeout=60, headers={"X-API-Key": key}) as client:
            assert client.get("/v1/budgets").status_code == 200
            with psycopg.connect(database) as locker:
                locker.execute("LOCK TABLE rm_budgets IN ACCESS EXCLUSIVE MODE")
                saved = timed(lambda: client.post("/v1/budgets", json=BUDGET))
                locker.rollback()
            assert saved.response.status_code == 202, saved.response.text
            body = saved.response.json()
            assert body["success"] is True and body["data"]["committed"] is True
            assert saved.seconds < BOUND + SLACK
            eventually(lambda: _budgets_are(client, [BUDGET["name"]]), 200)  # once: saved


def _budgets_are(client: httpx.Client, expected: list[str]) -> httpx.Response:
    response = client.get("/v1/budgets")
    names = [b["name"] for b in response.json().get("data", {}).get("budgets", [])]
    return response if names == expected else httpx.Response(409)
