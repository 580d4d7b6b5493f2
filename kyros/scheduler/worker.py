"""Requeues work of agents that stopped heartbeating; queues tasks whose dependencies completed;
expires escalations past their deadline and flags those waiting too long; purges metrics
older than their retention.

Runs once across the cluster (an advisory lock on PostgreSQL). It reads read models to find
candidates and acts only through commands, which re-check everything against the log, so a
lagging read model or a second runner can cause no wrong transition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import anyio

from kyros.cluster.leadership import LEASE_CHECK_SECONDS, LeaderSession, Leadership
from kyros.cluster.signals import Pulse
from kyros.commands.escalations import ExpireEscalation, FlagOverdue
from kyros.commands.queue import ReleaseWaitingTask
from kyros.commands.registry import run_command
from kyros.commands.submissions import ExpireLease
from kyros.domain.errors import DomainError
from kyros.domain.model_catalog import Catalog
from kyros.eventstore.application import KyrosApplication
from kyros.projections.analytics_retention import purge
from kyros.queries.configuration import get_configuration
from kyros.queries.escalation_deadlines import expired_escalations, unflagged_escalations
from kyros.queries.queue import expired_leases, ready_to_release
from kyros.readstore.database import Database
from kyros.supervision import WorkerState
from kyros.timefmt import now, sortable

log = logging.getLogger(__name__)
MIN_INTERVAL = 0.1  # seconds between sweeps, however often the log moves
PURGE_EVERY = timedelta(hours=1)  # and whenever the retention setting changes


class Scheduler:
    def __init__(
        self,
        app: KyrosApplication,
        db: Database,
        *,
        leaders: LeaderSession,
        progressed: Pulse,
        lease: timedelta,
        catalog: Catalog,
    ) -> None:
        self.app = app
        self.db = db
        self.catalog = catalog
        self.leaders = leaders
        self.progressed = progressed
        self.lease = lease
        # A lease is noticed within a quarter of its length (and at least every second).
        self.interval = max(MIN_INTERVAL, min(1.0, lease.total_seconds() / 4))
        self.state = WorkerState(name="scheduler")
        self._purged: tuple[datetime, int] | None = None  # when, and for how many days

    def sweep(self, at: datetime) -> int:
        """One pass; returns how many transitions it made."""
        changed = 0
        for row in expired_leases(self.db, sortable(at - self.lease) or ""):
            command = ExpireLease(
                submission_id=row["submission_id"],
                task_id=row["task_id"],
                agent_id=row["agent_id"],
                now=at,
                lease=self.lease,
            )
            changed += self._attempt(partial(run_command, self.app, self.catalog, command))
        for task_id in ready_to_release(self.db):
            release = ReleaseWaitingTask(task_id=task_id)
            changed += self._attempt(partial(run_command, self.app, self.catalog, release))
        configuration = get_configuration(self.db)
        self._purge_metrics(at, configuration["monitoring"]["metrics_retention_days"])
        return changed + self._sweep_escalations(at, configuration)

    def _purge_metrics(self, at: datetime, days: int) -> None:
        """Changes no state in the log: the analytics read model forgets old facts."""
        if self._purged is None or self._purged[1] != days or at - self._purged[0] >= PURGE_EVERY:
            removed = purge(self.db, at - timedelta(days=days))
            self._purged = (at, days)
            log.debug("scheduler: purged %d analytics facts older than %d days", removed, days)

    def _sweep_escalations(self, at: datetime, configuration: dict[str, Any]) -> int:
        changed = 0
        for escalation_id in expired_escalations(self.db, sortable(at) or ""):
            expire = ExpireEscalation(escalation_id=escalation_id, now=at)
            changed += self._attempt(partial(run_command, self.app, self.catalog, expire))
        waited = timedelta(minutes=configuration["escalation"]["pending_alert_minutes"])
        for escalation_id in unflagged_escalations(self.db, sortable(at - waited) or ""):
            flag = FlagOverdue(escalation_id=escalation_id, waited=waited)
            changed += self._attempt(partial(run_command, self.app, self.catalog, flag))
        return changed

    @staticmethod
    def _attempt(run: Callable[[], object]) -> int:
        """`run` carries out one command, under its conflict policy where it has one."""
        try:
            return 1 if run() else 0
        except DomainError as refused:  # a racing writer won; the next pass sees its result
            log.debug("scheduler: %r skipped: %s", run, refused)
            return 0

    async def run(self) -> None:
        """Sweeps while it leads; a lost lease (its session died) is taken again."""
        with self.leaders.lease("scheduler") as leadership:
            while True:
                while not await anyio.to_thread.run_sync(leadership.try_acquire):
                    self.state.leader = False
                    await anyio.sleep(1.0)
                self.state.leader = True
                await self._lead(leadership)
                self.state.leader = False
                log.warning("the scheduler lost its lease; taking it again")

    async def _lead(self, leadership: Leadership) -> None:
        """Sweeps until the lease turns out lost."""
        checked = anyio.current_time()
        while True:
            if anyio.current_time() - checked > LEASE_CHECK_SECONDS:
                if not await anyio.to_thread.run_sync(leadership.still_held):
                    return
                checked = anyio.current_time()
            ticket = self.progressed.ticket()
            await anyio.to_thread.run_sync(self.sweep, now())
            await Pulse.wait(ticket, self.interval)
            await anyio.sleep(MIN_INTERVAL)
