"""Every leadership of a process shares one PostgreSQL session, and survives losing it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import anyio
import psycopg
import pytest

from kyros.bootstrap import Kyros
from kyros.cluster.leadership import LeaderSession, lock_key
from kyros.projections.worker import LEASE as PROJECTIONS_LEASE
from kyros.settings import Settings
from kyros.supervision import WorkerState
from tests.builders.commands import make_task
from tests.integration.helpers import table


def holders(url: str, names: list[str]) -> dict[int, int]:
    """Backend pid → how many of the named advisory locks it holds."""
    wanted = {_lock_ids(lock_key(f"kyros:{name}")) for name in names}
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT pid, classid::bigint, objid::bigint FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
    held: dict[int, int] = {}
    for pid, classid, objid in rows:
        if (classid, objid) in wanted:
            held[pid] = held.get(pid, 0) + 1
    return held


def _lock_ids(key: int) -> tuple[int, int]:
    """How pg_locks shows a bigint key: its high and low 32 bits as unsigned numbers."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


def terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.fixture
def names() -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"test-{run}-{n}" for n in range(12)]


@pytest.fixture
def sessions(postgres_database: str) -> Iterator[tuple[LeaderSession, LeaderSession]]:
    """Two sessions stand in for two processes."""
    first, second = LeaderSession(postgres_database), LeaderSession(postgres_database)
    yield first, second
    first.close()
    second.close()


@pytest.mark.postgres
def test_one_session_holds_every_lock_of_a_process_and_releases_them_one_by_one(
    postgres_database: str, sessions: tuple[LeaderSession, LeaderSession], names: list[str]
) -> None:
    mine, theirs = sessions
    leases = [mine.lease(name) for name in names]
    assert all(lease.try_acquire() for lease in leases)
    assert all(lease.try_acquire() for lease in leases)  # asking again stacks nothing
    (count,) = holders(postgres_database, names).values()
    assert count == len(names)  # one backend holds all twelve
    rivals = [theirs.lease(name) for name in names]
    assert not any(rival.try_acquire() for rival in rivals)

    leases[0].release()
    assert rivals[0].try_acquire()
    assert not any(rival.try_acquire() for rival in rivals[1:])
    assert all(lease.still_held() for lease in leases[1:])
    assert not leases[0].still_held()
    assert sorted(holders(postgres_database, names).values()) == [1, len(names) - 1]


@pytest.mark.postgres
def test_every_leader_notices_a_lost_session_and_takes_its_lock_again_on_a_new_one(
    postgres_database: str, sessions: tuple[LeaderSession, LeaderSession], names: list[str]
) -> None:
    mine, theirs = sessions
    leases = [mine.lease(name) for name in names[:3]]
    assert all(lease.try_acquire() for lease in leases)
    (old_pid,) = holders(postgres_database, names)
    terminate(postgres_database, old_pid)

    assert [lease.still_held() for lease in leases] == [False, False, False]
    assert theirs.lease(names[0]).try_acquire()  # the dead session's locks went with it
    assert not leases[0].try_acquire()
    assert leases[1].try_acquire()
    assert leases[2].try_acquire()
    held = holders(postgres_database, names)
    assert len(held) == 2
    assert old_pid not in held
    assert sorted(held.values()) == [1, 2]


def test_without_postgresql_a_process_always_leads() -> None:
    lease = LeaderSession(None).lease("anything")
    assert lease.try_acquire()
    assert lease.still_held()
    lease.release()
    assert lease.still_held()


def _leading(states: list[WorkerState]) -> bool:
    return all(state.leader for state in states)


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgres"])
def test_a_server_leads_everything_on_one_connection_and_recovers_when_it_is_killed(
    settings: Settings,
) -> None:
    url = settings.database_url or ""
    with Kyros(settings) as kyros:
        states = [*kyros.projections.states, kyros.scheduler.state, kyros.webhooks.state]
        names = [PROJECTIONS_LEASE, kyros.scheduler.state.name, kyros.webhooks.state.name]

        async def scenario() -> tuple[dict[int, int], dict[int, int], bool]:
            async with anyio.create_task_group() as tg:
                kyros.start_background(tg)
                await _until(lambda: _leading(states), 10)
                before = await anyio.to_thread.run_sync(holders, url, names)
                (pid,) = before
                await anyio.to_thread.run_sync(terminate, url, pid)
                await _until(lambda: not _leading(states), 10)  # they noticed
                after = await _relocked(url, names, pid, 15)  # every lock, on a new session
                await _until(lambda: _leading(states), 15)  # and lead again
                make_task(kyros.app, title="after the failover")
                followed = await kyros.projections.wait_for(kyros.app.head(), timeout=10)
                tg.cancel_scope.cancel()
            return before, after, followed

        before, after, followed = anyio.run(scenario)
        assert list(before.values()) == [len(names)]
        assert list(after.values()) == [len(names)]
        assert before.keys() != after.keys()
        assert followed
        assert [row["title"] for row in table(kyros.db, "rm_tasks", "id")] == ["after the failover"]


async def _relocked(url: str, names: list[str], old: int, timeout: float) -> dict[int, int]:
    """The holders once one session other than `old` holds every named lock. Leaders notice
    a lost session one by one, so this is polled rather than read once."""
    deadline = time.monotonic() + timeout
    while True:
        held = await anyio.to_thread.run_sync(holders, url, names)
        if list(held.values()) == [len(names)] and old not in held:
            return held
        assert time.monotonic() < deadline, f"not every lock was taken again: {held}"
        await anyio.sleep(0.05)


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await anyio.sleep(0.05)
