"""Cached credentials never outlive a change: two real `kyros serve` processes on one store.

One process is kept busy with a credential (so its decision is cached and re-validated while
the change lands); the change is made through the other. No request sent after the change was
answered gets in, however the requests in flight interleave with it (on a loaded machine some
may be answered 503: a bounded wait ran out, which lets nobody in either).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.builders.commands import PASSWORD
from tests.conftest import _empty_schema
from tests.e2e.auth_helpers import bearer, tokens
from tests.fanout.processes import FAST_ENV, Server
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # the look at the log is per-dialect SQL

ROUNDS = 4
HAMMERS = 3
Sent = tuple[float, int]  # when the request was sent (monotonic), and its status


@contextmanager
def _servers(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Server, Server]]:
    """Two servers on one store (one SQLite file, or one PostgreSQL database)."""
    env: dict[str, str] = {}
    dirs = (tmp_path / "shared", tmp_path / "shared")
    if store == "postgres":
        url = request.getfixturevalue("postgres_database")
        _empty_schema(url)
        env = {"KYROS_DATABASE_URL": url}
        dirs = (tmp_path / "a", tmp_path / "b")
    with Server(dirs[0], **env) as a, Server(dirs[1], **env) as b:  # a stops if b fails
        yield a, b


def _hammer(
    url: str, headers: dict[str, str], path: str, stop: threading.Event, sent: list[Sent]
) -> list[threading.Thread]:

    def run() -> None:
        with http_client(base_url=url, timeout=30) as http:
            while not stop.is_set():
                at = time.monotonic()
                sent.append((at, http.get(path, headers=headers).status_code))

    threads = [threading.Thread(target=run) for _ in range(HAMMERS)]
    for thread in threads:
        thread.start()
    return threads


def _during_hammering(
    url: str, headers: dict[str, str], path: str, change: Callable[[], None]
) -> tuple[list[Sent], float, float]:
    stop = threading.Event()
    sent: list[Sent] = []
    threads = _hammer(url, headers, path, stop, sent)
    try:
        deadline = time.monotonic() + 30
        while sum(1 for _, s in list(sent) if s == 200) < 20:  # the decision is cached by now
            assert time.monotonic() < deadline, sent[-5:]
            time.sleep(0.01)
        asked = time.monotonic()
        change()
        answered = time.monotonic()
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    return list(sent), asked, answered


def test_a_revocation_answered_by_one_process_holds_at_once_in_the_other(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with (
        _servers(store, tmp_path, request) as (a, b),
        http_client(base_url=a.url, timeout=30) as on_a,
    ):
        login = {"username": "admin", "password": FAST_ENV["KYROS_ADMIN_PASSWORD"]}
        admin = bearer(on_a.post("/v1/auth/login", data=login).json()["data"]["access_token"])
        for n in range(ROUNDS):
            made = on_a.post("/v1/api-keys", json={"name": f"k{n}", "role": "agent"}, headers=admin)
            assert made.status_code == 201, made.text
            key = made.json()["data"]

            def revoke(key_id: str = key["id"]) -> None:
                revoked = on_a.delete(f"/v1/api-keys/{key_id}", headers=admin)
                assert revoked.status_code == 200, revoked.text

            sent, asked, answered = _during_hammering(
                b.url, bearer(key["key"]), "/v1/tasks", revoke
            )
            after = Counter(s for at, s in sent if at > answered)
            assert after[200] == 0, (n, after)  # nothing sent after the answer gets in
            assert after[401] > 0, (n, after)  # and requests were sent after it
            assert Counter(s for at, s in sent if at < asked)[200] >= 20, n


def test_a_role_revoked_through_one_process_holds_at_once_in_the_other(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with (
        _servers(store, tmp_path, request) as (a, b),
        http_client(base_url=a.url, timeout=30) as on_a,
    ):
        login = {"username": "admin", "password": FAST_ENV["KYROS_ADMIN_PASSWORD"]}
        admin = bearer(on_a.post("/v1/auth/login", data=login).json()["data"]["access_token"])
        for n in range(ROUNDS):
            user = {"username": f"user{n}", "password": PASSWORD, "roles": ["admin"]}
            created = on_a.post("/v1/users", json=user, headers=admin)
            assert created.status_code == 201, created.text
            user_id = created.json()["data"]["id"]
            token = tokens(on_a, f"user{n}")["access_token"]

            def demote(user_id: str = user_id) -> None:
                revoked = on_a.delete(f"/v1/users/{user_id}/roles/admin", headers=admin)
                assert revoked.status_code == 200, revoked.text

            sent, asked, answered = _during_hammering(b.url, bearer(token), "/v1/users", demote)
            after = Counter(s for at, s in sent if at > answered)
            assert after[200] == 0, (n, after)
            assert after[403] > 0, (n, after)
            assert Counter(s for at, s in sent if at < asked)[200] >= 20, n
