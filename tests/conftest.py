"""Shared fixtures: a store (SQLite, and PostgreSQL where it matters) and a real HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn

from kyros.bootstrap import Kyros
from kyros.cli_serve import uvicorn_options
from kyros.http.app import create_app
from kyros.settings import Settings
from tests.builders.commands import Credential, make_api_key
from tests.http_client import http_client

ADMIN_URL = os.environ.get(
    "KYROS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_REQUIRED = bool(os.environ.get("CI")) or os.environ.get("KYROS_REQUIRE_POSTGRES") == "1"


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database for this test run, dropped at the end."""
    problem = _postgres_reachable()
    if problem is not None:
        message = f"PostgreSQL not reachable at {ADMIN_URL}: {problem}"
        if POSTGRES_REQUIRED:
            pytest.fail(message + " (CI requires it)", pytrace=False)
        pytest.skip(message + " (set KYROS_TEST_POSTGRES_URL, or run .ci/run)")
    name = f"kyros_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    # DROP DATABASE waits for a checkpoint (up to half a minute on a busy machine): it finishes
    # in a process of its own instead of holding up the end of the run.
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    subprocess.Popen(
        [sys.executable, "-c", _DROP, ADMIN_URL, drop],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


_DROP = "import psycopg, sys; psycopg.connect(sys.argv[1], autocommit=True).execute(sys.argv[2])"


def _empty_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


BOTH_STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all-stores",
        action="store_true",
        help="run every test that uses a store on PostgreSQL too, not only `both_stores` ones",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that uses a store runs on SQLite; `@pytest.mark.both_stores` adds PostgreSQL.

    The store cannot matter to most HTTP contract tests (validation, access rules, shapes), so
    they run once. What depends on the store (its SQL, concurrency, LISTEN/NOTIFY, text it
    cannot hold) opts in, per module with `pytestmark` or per test, saying why in a comment.
    A module that pins `store` with its own fixture, or a test that parametrises it, keeps that.
    """
    if "store" not in metafunc.fixturenames:
        return
    nearest = metafunc._arg2fixturedefs.get("store", ())[-1:]
    if nearest and nearest[0].func.__module__ != __name__:
        return  # a module's own `store` fixture pins it
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "store" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return
    both = metafunc.definition.get_closest_marker("both_stores") is not None
    both = both or bool(metafunc.config.getoption("--all-stores"))
    metafunc.parametrize("store", BOTH_STORES if both else ["sqlite"], indirect=True)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> str:
    """`sqlite` or `postgres`, as `pytest_generate_tests` parametrised it."""
    return str(request.param)


# Functional tests make many calls from one address; the rate-limit tests set their own limits.
GENEROUS_LIMITS = {
    group: "100000/minute"
    for group in ("auth", "task_create", "model_select", "monitoring", "webhooks", "default")
}


@pytest.fixture
def settings(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings for an empty store of the parametrised kind."""
    common = {"data_dir": tmp_path, "projection_poll_seconds": 0.1, "rate_limits": GENEROUS_LIMITS}
    if store == "postgres":
        url = request.getfixturevalue("postgres_database")
        _empty_schema(url)
        return Settings(database_url=url, **common)  # type: ignore[arg-type]
    return Settings(**common)  # type: ignore[arg-type]


@pytest.fixture
def kyros(settings: Settings) -> Iterator[Kyros]:
    with Kyros(settings) as instance:
        yield instance


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopping as soon as it is told to.

    uvicorn notices `should_exit` on a 0.1 s tick and then sleeps 0.1 s more for open
    connections: 0.2 s of every test's teardown. Here a stop wakes the loop at once, and the
    extra sleep happens only when a connection is still open (then uvicorn's own shutdown runs).
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        ticks = 0
        while not await self.on_tick(ticks):  # refreshes the Date header on every 10th tick
            ticks += 10
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=1.0)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()

    def stop(self) -> None:
        """From any thread."""
        self.should_exit = True
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stopping.set)


class LiveServer:
    """Uvicorn serving the real app on a loopback port, in a background thread."""

    def __init__(self, kyros: Kyros, *, run_workers: bool = True) -> None:
        options = {**uvicorn_options(kyros.settings), "log_level": "warning"}
        config = uvicorn.Config(
            create_app(kyros, run_workers=run_workers),
            host="127.0.0.1",
            port=0,
            lifespan="on",
            **options,
        )
        self.server = _PromptServer(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self.thread.join(timeout=10)


@pytest.fixture
def base_url(kyros: Kyros) -> Iterator[str]:
    with LiveServer(kyros) as url:
        yield url


@pytest.fixture
def admin(kyros: Kyros) -> Credential:
    """The identity the `client` fixture acts as: an API key with the admin role."""
    return make_api_key(kyros, "admin", name="test-admin")


@pytest.fixture
def client(base_url: str, admin: Credential) -> Iterator[httpx.Client]:
    """Authenticated as an admin, as the spec's client examples do (`Bearer <api key>`)."""
    headers = {"Authorization": f"Bearer {admin.key}"}
    with http_client(base_url=base_url, timeout=10, headers=headers) as http:
        yield http


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    with http_client(base_url=base_url, timeout=10) as http:
        yield http
