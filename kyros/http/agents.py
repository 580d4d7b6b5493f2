"""The agent worker protocol (a Kyros extension): register, heartbeat and long-poll claims."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import anyio
from litestar import Controller, Request, Response, post
from litestar.params import Parameter
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.agents import (
    AT_CAPACITY,
    Claimed,
    ClaimWork,
    Heartbeat,
    RegisterAgent,
    agent_of,
)
from kyros.commands.registry import ROUTES, run_command
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.http.schemas.agents import RegisterAgentRequest
from kyros.ids import public_id
from kyros.queries.agents import get_agent
from kyros.queries.queue import claim_candidates
from kyros.queries.tasks import get_task
from kyros.timefmt import iso, now

MIN_INTERVAL = 0.1  # seconds between two looks at the queue for one waiting claim
RECHECK = 0.5  # a wake-up from another process may come before its read model moved
CANDIDATES = 10


class AgentController(Controller):
    path = "/agents"
    opt = reads("agents", "queue", "tasks")
    tags = ["Agent workers"]
    guards = [requires("claim_work")]

    @post("/register", operation_id="RegisterAgent", status_code=201)
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: RegisterAgentRequest,
        kyros: Kyros,
        actor: str,
    ) -> Response[bytes]:
        """An agent of one role, owned by the caller; it may hold `capacity` submissions."""
        agent_id = ULID().to_uuid()
        command = RegisterAgent(
            agent_id=agent_id,
            role=data.role,
            capacity=data.capacity,
            name=data.name,
            at=now(),
            actor=actor,
        )
        await kyros.execute(command)
        lease = kyros.settings.agent_lease_seconds
        answer = {
            "agent_id": public_id("agent", agent_id),
            "role": data.role,
            "capacity": data.capacity,
            "lease_seconds": _number(lease),
            "heartbeat_interval_seconds": _number(round(lease / 3, 2)),
        }
        return ok(request, answer, status=201)

    @post("/{agent_id:str}/heartbeat", operation_id="AgentHeartbeat", status_code=200)
    async def heartbeat(
        self, request: Request[Any, Any, Any], agent_id: str, kyros: Kyros, actor: str
    ) -> Response[bytes]:
        """Extends the lease of everything the agent holds; `leases` lists it. Work missing
        from `leases` is no longer this agent's: stop it (its reports would be refused)."""
        command = Heartbeat(agent_id=agent_id, at=now(), actor=actor)
        beat = await kyros.execute(command)
        return ok(request, {"agent_id": agent_id, "leases": beat.held})

    @post("/{agent_id:str}/claim", operation_id="ClaimWork", status_code=200)
    async def claim(
        self,
        request: Request[Any, Any, Any],
        agent_id: str,
        kyros: Kyros,
        actor: str,
        wait: int = Parameter(default=20, ge=0, le=60, description="Seconds to long-poll"),
    ) -> Response[bytes]:
        """The next queued submission of the agent's role, or `{"submission": null}` after
        `wait` seconds (at once when the agent is at capacity)."""
        await in_thread(agent_of, kyros.app, agent_id, actor)
        claimed = await _unless_disconnected(request, _long_poll(kyros, agent_id, actor, wait))
        if claimed is None:
            return ok(request, {"submission": None})
        await kyros.read_your_writes(claimed.position, names=ROUTES[ClaimWork].read_back)
        task = await in_thread(get_task, kyros.db, claimed.task_id)
        submission = {
            "submission_id": claimed.submission_id,
            "task_id": claimed.task_id,
            "role": claimed.role,
            "model": claimed.model,
            "lease_expires_at": iso(claimed.lease_expires_at),
            "task": task,
            "context": claimed.context,
            "preferences": claimed.preferences,
        }
        return ok(request, {"submission": submission})


async def _unless_disconnected(
    request: Request[Any, Any, Any], poll: Coroutine[Any, Any, Claimed | None]
) -> Claimed | None:
    """Stops waiting when the client hangs up, so no work is claimed for a gone agent."""
    outcome: list[Claimed | None] = [None]
    async with anyio.create_task_group() as tg:

        async def watch() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            tg.cancel_scope.cancel()

        async def run() -> None:
            outcome[0] = await poll
            tg.cancel_scope.cancel()

        tg.start_soon(watch)
        tg.start_soon(run)
    return outcome[0]


async def _long_poll(kyros: Kyros, agent_id: str, actor: str, wait: int) -> Claimed | None:
    """Looks at the queue, then sleeps until the log moves (here or, through LISTEN, in
    another process) or RECHECK passes; never more often than every MIN_INTERVAL."""
    deadline = anyio.current_time() + wait
    while True:
        tickets = (kyros.appended.ticket(), kyros.projections.progressed.ticket())
        looked = anyio.current_time()
        result = await in_thread(_claim_next, kyros, agent_id, actor)
        if isinstance(result, Claimed):
            return result
        remaining = deadline - anyio.current_time()
        if result == AT_CAPACITY or remaining <= 0:
            return None
        await _either(*tickets, timeout=min(remaining, RECHECK))
        pause = min(MIN_INTERVAL - (anyio.current_time() - looked), deadline - anyio.current_time())
        if pause > 0:
            await anyio.sleep(pause)


def _claim_next(kyros: Kyros, agent_id: str, actor: str) -> Claimed | str | None:
    """The agent's command decides, capacity first; the queue only proposes candidates."""
    row = get_agent(kyros.db, agent_id)
    if row is None:
        return None  # registered, but not yet in the read model
    command = ClaimWork(
        agent_id=agent_id,
        at=now(),
        actor=actor,
        lease=timedelta(seconds=kyros.settings.agent_lease_seconds),
        candidates=claim_candidates(kyros.db, row["role"], CANDIDATES),
    )
    result: Claimed | str | None = run_command(kyros.app, kyros.catalog, command)
    return result


async def _either(first: anyio.Event, second: anyio.Event, *, timeout: float) -> None:
    with anyio.move_on_after(timeout):
        async with anyio.create_task_group() as tg:

            async def wake(event: anyio.Event) -> None:
                await event.wait()
                tg.cancel_scope.cancel()

            tg.start_soon(wake, first)
            tg.start_soon(wake, second)


def _number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else seconds
