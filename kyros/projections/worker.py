"""Runs each projection in the background: catch up, then follow the log as it grows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence

import anyio
from anyio.abc import TaskGroup

from kyros.cluster.leadership import LEASE_CHECK_SECONDS, LeaderSession, Leadership
from kyros.cluster.signals import Pulse
from kyros.projections.engine import ProjectionEngine
from kyros.projections.failures import ProjectionFailure, ProjectionStuck
from kyros.supervision import WorkerState, supervise
from kyros.timefmt import iso, now

log = logging.getLogger(__name__)

ALERT_AFTER_ATTEMPTS = 3  # a failure that survives its retries is no passing blip
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0

OnStuck = Callable[[ProjectionFailure], object]
OnRecovered = Callable[[ProjectionFailure], object]


class ProjectionWorker:
    """Follows the log for one read model while it holds the cluster-wide lease for it."""

    def __init__(
        self,
        engine: ProjectionEngine,
        name: str,
        *,
        leaders: LeaderSession,
        appended: Pulse,
        progressed: Pulse,
        page_size: int,
        poll_seconds: float,
        on_stuck: OnStuck | None = None,
        on_recovered: OnRecovered | None = None,
    ) -> None:
        self.engine = engine
        self.name = name
        self.on_stuck = on_stuck
        self.on_recovered = on_recovered
        self.leaders = leaders
        self.appended = appended
        self.progressed = progressed
        self.page_size = page_size
        self.poll_seconds = poll_seconds
        self.position = 0
        self.failure: ProjectionFailure | None = None  # the event it is stuck at, if any
        self._alerted: int | None = None  # the position this worker raised an alert for
        self.state = WorkerState(name=f"projection:{name}")
        self._scope: anyio.CancelScope | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self) -> None:
        """Supervised until `stop()` or shutdown."""
        self._loop = asyncio.get_running_loop()
        with anyio.CancelScope() as self._scope:
            await supervise(self.state, self.follow)

    def stop(self) -> None:
        """Callable from any thread (the server's loop may run in another one)."""
        if self._scope is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._scope.cancel)

    async def follow(self) -> None:
        with self.leaders.lease(f"projection:{self.name}") as lease:
            while True:
                while not await anyio.to_thread.run_sync(lease.try_acquire):
                    self.state.leader = False
                    await self.refresh()
                    await Pulse.wait(self.appended.ticket(), 1.0)
                self.state.leader = True
                await self._lead(lease)
                self.state.leader = False
                log.warning("projection %s lost its lease; taking it again", self.name)

    async def _lead(self, lease: Leadership) -> None:
        """Applies the log until the lease turns out lost (its session died)."""
        checked = anyio.current_time()
        self.failure = await anyio.to_thread.run_sync(self.engine.failure, self.name)
        while True:
            if anyio.current_time() - checked > LEASE_CHECK_SECONDS:
                if not await anyio.to_thread.run_sync(lease.still_held):
                    return
                checked = anyio.current_time()
            ticket = self.appended.ticket()
            try:
                applied, self.position = await anyio.to_thread.run_sync(
                    self.engine.step, self.name, self.page_size
                )
            except ProjectionStuck as stuck:
                await self._stuck(stuck)
                continue
            if self.failure is not None and self.position >= self.failure.position:
                await self._recovered(self.failure)
            if applied:
                self.progressed.fire()
            if applied < self.page_size:
                await Pulse.wait(ticket, self.poll_seconds)

    async def _stuck(self, stuck: ProjectionStuck) -> None:
        """Halts visibly at the event, keeping the lease, and retries it with backoff; writes
        stop waiting for this read model (see `wait_for`) and, once the failure has
        survived its retries, an alert is raised."""
        failure = stuck.failure
        self.position, self.failure = stuck.reached, failure
        self.state.last_error = str(stuck)[:500]
        self.state.last_error_at = iso(now())
        self.progressed.fire()
        if failure.attempts == 1:
            log.error("%s; retrying it", stuck, exc_info=stuck.__cause__)
        due = failure.attempts >= ALERT_AFTER_ATTEMPTS and self._alerted != failure.position
        if due and self.on_stuck is not None:  # attempts count in every process: not `==`
            try:
                await anyio.to_thread.run_sync(self.on_stuck, failure)
                self._alerted = failure.position
            except Exception:
                log.exception("could not raise the alert for read model %s", self.name)
        delay = RETRY_FIRST_SECONDS * 2 ** min(failure.attempts - 1, 10)
        await anyio.sleep(min(delay, RETRY_MAX_SECONDS))

    async def _recovered(self, failure: ProjectionFailure) -> None:
        """Past the event it was stuck at (fixed and retried, or rebuilt by any process): the
        alert raised for it is resolved, so no stale critical alert outlives the fault."""
        self.failure = None
        log.warning("read model %s got past event %d", self.name, failure.position)
        if self.on_recovered is None:
            return
        try:
            await anyio.to_thread.run_sync(self.on_recovered, failure)
        except Exception:  # the alert stays active; the read model is fine
            log.exception("could not resolve the alert for read model %s", self.name)

    async def refresh(self) -> None:
        self.position = await anyio.to_thread.run_sync(self.engine.position, self.name)
        self.failure = await anyio.to_thread.run_sync(self.engine.failure, self.name)
        self.progressed.fire()


class ProjectionWorkers:
    """The projection workers of this process, and read-your-writes waiting on them."""

    def __init__(
        self,
        engine: ProjectionEngine,
        *,
        leaders: LeaderSession,
        appended: Pulse,
        page_size: int,
        poll_seconds: float,
        on_stuck: OnStuck | None = None,
        on_recovered: OnRecovered | None = None,
    ) -> None:
        self.progressed = Pulse()
        self.workers = [
            ProjectionWorker(
                engine,
                name,
                leaders=leaders,
                appended=appended,
                progressed=self.progressed,
                page_size=page_size,
                poll_seconds=poll_seconds,
                on_stuck=on_stuck,
                on_recovered=on_recovered,
            )
            for name in engine.projections
        ]

    @property
    def states(self) -> Sequence[WorkerState]:
        return [w.state for w in self.workers]

    def start(self, tg: TaskGroup) -> None:
        for worker in self.workers:
            tg.start_soon(worker.run)

    def stop(self, name: str) -> None:
        """Stops one read model's worker for good (it shows as stopped in health)."""
        (worker,) = [w for w in self.workers if w.name == name]
        worker.stop()

    async def wait_for(
        self, position: int, timeout: float, names: Collection[str] | None = None
    ) -> bool:
        """True once every read model in `names` (None: all) has applied the log up to
        `position`, a read model stuck at an event not counting: it would hold every write
        for the whole timeout."""
        workers = self.workers if names is None else [w for w in self.workers if w.name in names]
        with anyio.move_on_after(timeout):
            while True:
                ticket = self.progressed.ticket()
                lagging = [w for w in workers if w.position < position and not w.failure]
                if not lagging:
                    return True
                if any(not w.state.leader for w in lagging):
                    await anyio.sleep(0.02)
                    for worker in lagging:
                        if not worker.state.leader:
                            await worker.refresh()
                    continue
                await Pulse.wait(ticket, 0.25)
        return False
