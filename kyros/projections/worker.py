"""One reader per process follows the log for every read model: catch up, then follow it as it
grows, reading and decoding each page once for all of them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence

import anyio
from anyio.abc import TaskGroup

from kyros.cluster.leadership import LEASE_CHECK_SECONDS, LeaderSession, Leadership
from kyros.cluster.signals import Pulse
from kyros.projections.engine import ProjectionEngine, Stepped, next_limit
from kyros.projections.failures import ProjectionFailure, ProjectionStuck
from kyros.supervision import WorkerState, supervise
from kyros.timefmt import iso, now

log = logging.getLogger(__name__)

ALERT_AFTER_ATTEMPTS = 3  # a failure that survives its retries is no passing blip
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
# While writes wait for some read models, the reader steps those alone and the others (in
# bigger pages, which cost about what small ones do) at most this often.
REST_EVERY_SECONDS = 0.1
LEASE = "projections"  # one lease for the set: the reader that decodes the log once holds it

OnStuck = Callable[[ProjectionFailure], object]
OnRecovered = Callable[[ProjectionFailure], object]


class ProjectionWorker:
    """One read model as this process sees it: the reader's work on it, shown in health."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.position = 0
        self.failure: ProjectionFailure | None = None  # the event it is stuck at, if any
        self.state = WorkerState(name=f"projection:{name}")
        self.stopped = False  # `ProjectionWorkers.stop`: the reader leaves it behind for good
        self.retry_at = 0.0  # while it waits out a backoff, the reader runs the others
        self.faults = 0  # consecutive passing faults, for their backoff
        self.alerted: int | None = None  # the position this process raised an alert for

    def running(self, leader: bool) -> None:
        if self.stopped:
            return
        if not self.state.running:
            self.state.running, self.state.started_at = True, iso(now())
            self.state.running_since = time.monotonic()
        self.state.leader = leader

    def halted(self, error: BaseException | None) -> None:
        """The reader stopped: crashed (`error`, it restarts) or cancelled (None)."""
        self.state.running = self.state.leader = False
        if error is None:
            self.state.stopped = True
        elif not self.stopped:
            self.state.restarts += 1
            self.state.last_error = f"{type(error).__name__}: {error}"[:500]
            self.state.last_error_at = iso(now())


class ProjectionWorkers:
    """The reader of this process, its read models, and read-your-writes waiting on them.

    One cluster lease covers the whole set: whoever holds it reads each page once for every
    read model, which is the point; several processes sharing the set out would each read
    and decode the log again for their part.
    """

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
        self.engine = engine
        self.leaders = leaders
        self.appended = appended
        self.page_size = page_size
        self.poll_seconds = poll_seconds
        self.on_stuck = on_stuck
        self.on_recovered = on_recovered
        self.progressed = Pulse()
        self.workers = [ProjectionWorker(name) for name in engine.projections]
        self._by_name = {w.name: w for w in self.workers}
        self.names = tuple(self._by_name)
        self._reader = WorkerState(name="projection-reader")
        self._limit = page_size  # adapts: see `next_limit`
        self._awaited: Counter[str] = Counter()  # read models writes are waiting for now
        self._rest_at = 0.0  # when the read models nobody waits for are stepped next
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def states(self) -> Sequence[WorkerState]:
        return [w.state for w in self.workers]

    def start(self, tg: TaskGroup) -> None:
        tg.start_soon(self.run)

    async def run(self) -> None:
        """Supervised until shutdown; each read model's state mirrors the reader's."""
        self._loop = asyncio.get_running_loop()
        try:
            await supervise(self._reader, self._follow)
        finally:
            for worker in self.workers:
                worker.halted(None)

    def stop(self, name: str) -> None:
        """Stops one read model for good (it shows as stopped in health); any thread."""
        worker = self._by_name[name]

        def stop() -> None:
            worker.stopped = True
            worker.halted(None)

        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(stop)
        else:
            stop()

    def _active(self) -> list[ProjectionWorker]:
        return [w for w in self.workers if not w.stopped]

    async def _follow(self) -> None:
        try:
            with self.leaders.lease(LEASE) as lease:
                while True:
                    while not await anyio.to_thread.run_sync(lease.try_acquire):
                        for worker in self._active():
                            worker.running(leader=False)
                        await self.refresh(self._active())
                        await Pulse.wait(self.appended.ticket(), 1.0)
                    await self._lead(lease)
                    log.warning("the projection reader lost its lease; taking it again")
        except Exception as error:
            for worker in self.workers:
                worker.halted(error)
            raise

    async def _lead(self, lease: Leadership) -> None:
        """Applies the log until the lease turns out lost (its session died)."""
        checked = anyio.current_time()
        for worker in self._active():
            worker.running(leader=True)
        failures = await anyio.to_thread.run_sync(self.engine.failures)
        for worker in self.workers:
            worker.failure = failures.get(worker.name)
        while True:
            if anyio.current_time() - checked > LEASE_CHECK_SECONDS:
                if not await anyio.to_thread.run_sync(lease.still_held):
                    for worker in self._active():
                        worker.running(leader=False)
                    return
                checked = anyio.current_time()
            ticket = self.appended.ticket()
            clock = anyio.current_time()
            due = [w for w in self._active() if w.retry_at <= clock]
            if not due:
                waits = [w.retry_at - clock for w in self._active()] or [self.poll_seconds]
                await Pulse.wait(ticket, min(min(waits), self.poll_seconds))
                continue
            names = [w.name for w in due]
            first = {n for n, waiting in self._awaited.items() if waiting}
            if first and clock < self._rest_at:  # writes wait: the others come in a while
                names = [n for n in names if n in first]
                if not names:
                    await Pulse.wait(ticket, self._rest_at - clock)
                    continue
            whole = len(names) == len(due)
            if whole:
                self._rest_at = clock + REST_EVERY_SECONDS
            started, limit = time.monotonic(), self._limit
            try:
                results = await anyio.to_thread.run_sync(
                    self.engine.step_all, names, limit, first, self._first_committed
                )
            except Exception:  # a page too slow for the database's bound is cut: go smaller
                self._limit = max(1, self._limit // 2)
                raise
            self._limit = next_limit(self._limit, time.monotonic() - started, self.page_size)
            for name, stepped in results.items():
                await self._took(self._by_name[name], stepped)
            if any(s.read for s in results.values()):
                self.progressed.fire()
            if max(s.read for s in results.values()) < limit:
                rest = max(self._rest_at - anyio.current_time(), 0.0)
                await Pulse.wait(ticket, self.poll_seconds if whole else rest)

    def _first_committed(self, results: dict[str, Stepped]) -> None:
        """From the reader's thread: the read models writes wait for have committed their
        part of the page, before the others: their waiters go now."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def release() -> None:
            for name, stepped in results.items():
                if stepped.error is None:
                    self._by_name[name].position = stepped.position
            self.progressed.fire()

        loop.call_soon_threadsafe(release)

    async def _took(self, worker: ProjectionWorker, stepped: Stepped) -> None:
        worker.position = stepped.position
        if isinstance(stepped.error, ProjectionStuck):
            await self._stuck(worker, stepped.error)
        elif stepped.error is not None:
            self._faulted(worker, stepped.error)
            return
        else:
            worker.retry_at, worker.faults = 0.0, 0
        if worker.failure is not None and worker.position >= worker.failure.position:
            await self._recovered(worker, worker.failure)

    def _faulted(self, worker: ProjectionWorker, error: Exception) -> None:
        """A page failed but each of its events applied alone: counted and shown as a
        restart of that read model, retried after a backoff, the others unaffected."""
        worker.state.restarts += 1
        worker.state.last_error = f"{type(error).__name__}: {error}"[:500]
        worker.state.last_error_at = iso(now())
        delay = min(RETRY_FIRST_SECONDS * 2 ** min(worker.faults, 10), RETRY_MAX_SECONDS)
        worker.faults += 1
        worker.retry_at = anyio.current_time() + delay
        log.error(
            "read model %s failed a page; retrying in %.1fs",
            worker.name,
            delay,
            exc_info=error,
        )

    async def _stuck(self, worker: ProjectionWorker, stuck: ProjectionStuck) -> None:
        """Halts it visibly at the event and retries it with backoff while the others go on;
        writes stop waiting for it (see `wait_for`) and, once the failure has survived its
        retries, an alert is raised."""
        failure = stuck.failure
        worker.position, worker.failure = stuck.reached, failure
        worker.state.last_error = str(stuck)[:500]
        worker.state.last_error_at = iso(now())
        self.progressed.fire()
        if failure.attempts == 1:
            log.error("%s; retrying it", stuck, exc_info=stuck.__cause__)
        due = failure.attempts >= ALERT_AFTER_ATTEMPTS and worker.alerted != failure.position
        if due and self.on_stuck is not None:  # attempts count in every process: not `==`
            try:
                await anyio.to_thread.run_sync(self.on_stuck, failure)
                worker.alerted = failure.position
            except Exception:
                log.exception("could not raise the alert for read model %s", worker.name)
        delay = RETRY_FIRST_SECONDS * 2 ** min(failure.attempts - 1, 10)
        worker.retry_at = anyio.current_time() + min(delay, RETRY_MAX_SECONDS)

    async def _recovered(self, worker: ProjectionWorker, failure: ProjectionFailure) -> None:
        """Past the event it was stuck at (fixed and retried, or rebuilt by any process): the
        alert raised for it is resolved, so no stale critical alert outlives the fault."""
        worker.failure = None
        log.warning("read model %s got past event %d", worker.name, failure.position)
        if self.on_recovered is None:
            return
        try:
            await anyio.to_thread.run_sync(self.on_recovered, failure)
        except Exception:  # the alert stays active; the read model is fine
            log.exception("could not resolve the alert for read model %s", worker.name)

    async def refresh(self, workers: Collection[ProjectionWorker]) -> None:
        """Positions and failures as recorded by whichever process runs them."""
        positions = await anyio.to_thread.run_sync(self.engine.positions)
        failures = await anyio.to_thread.run_sync(self.engine.failures)
        for worker in workers:
            worker.position = positions.get(worker.name, worker.position)
            worker.failure = failures.get(worker.name)
        self.progressed.fire()

    async def wait_for(
        self,
        position: int,
        timeout: float,
        names: Collection[str] | None = None,
        *,
        halted_count: bool = False,
    ) -> bool:
        """True once every read model (of `names`, if given) has applied the log up to
        `position`. A read model stuck at an event does not count (it would hold every write
        for the whole timeout) unless `halted_count`: a read that asked for that position
        must not be told the read model has it."""
        workers = self.workers if names is None else [self._by_name[n] for n in names]
        if not any(w.position < position for w in workers):
            return True
        awaited = [w.name for w in workers]
        self._awaited.update(awaited)  # the reader runs these first while we wait
        try:
            return await self._wait(workers, position, timeout, halted_count)
        finally:
            self._awaited.subtract(awaited)

    async def _wait(
        self,
        workers: Sequence[ProjectionWorker],
        position: int,
        timeout: float,
        halted_count: bool,
    ) -> bool:
        with anyio.move_on_after(timeout):
            while True:
                ticket = self.progressed.ticket()
                lagging = [
                    w for w in workers if w.position < position and (halted_count or not w.failure)
                ]
                if not lagging:
                    return True
                if any(not w.state.leader for w in lagging):
                    await anyio.sleep(0.02)
                    await self.refresh([w for w in lagging if not w.state.leader])
                    continue
                await Pulse.wait(ticket, 0.25)
        return False
