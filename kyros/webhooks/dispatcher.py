"""Sends the outbox: one dispatcher per cluster, one lane per endpoint, at least once."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from datetime import datetime, timedelta

import anyio
from anyio.abc import TaskGroup

from kyros.cluster.leadership import LeaderSession, Leadership
from kyros.cluster.signals import Pulse
from kyros.commands.webhooks import DisableWebhook, disable_webhook
from kyros.domain.errors import DomainError
from kyros.eventstore.application import KyrosApplication
from kyros.readstore.database import Database, Row
from kyros.settings import Settings
from kyros.supervision import WorkerState, supervise
from kyros.timefmt import from_sortable, now
from kyros.webhooks import deliveries
from kyros.webhooks.deliveries import Outcome
from kyros.webhooks.egress import EgressPolicy
from kyros.webhooks.schedule import RetrySchedule, parse_retry_after
from kyros.webhooks.sender import Attempt, Sender
from kyros.webhooks.signing import SecretBox, secret_key

log = logging.getLogger(__name__)

ACTOR = "system:webhook-dispatcher"
BATCH = 20  # deliveries a lane fetches at a time
LEASE_CHECK_SECONDS = 5.0


class RateWindow:
    """At most `limit` sends in any 60 seconds (a sliding window of send times)."""

    def __init__(self, limit: int, seeded: list[float] | None = None) -> None:
        self.limit = limit
        self.sent: deque[float] = deque(seeded or ())

    async def acquire(self) -> None:
        while True:
            moment = time.monotonic()
            while self.sent and self.sent[0] <= moment - 60:
                self.sent.popleft()
            if len(self.sent) < self.limit:
                self.sent.append(moment)
                return
            await anyio.sleep(self.sent[0] + 60 - moment)


class WebhookDispatcher:
    """Endpoints are served concurrently (one lane each), so a slow or failing endpoint never
    delays the others; each lane sends its deliveries one at a time within its rate limit."""

    def __init__(
        self,
        app: KyrosApplication,
        db: Database,
        settings: Settings,
        secrets: SecretBox,
        wake: Pulse,
        leaders: LeaderSession,
    ) -> None:
        self.app, self.db, self.settings, self.secrets, self.wake = app, db, settings, secrets, wake
        self.leaders = leaders
        self.policy = EgressPolicy.from_settings(
            settings.webhook_allow_private, settings.webhook_allowed_networks
        )
        self.schedule = RetrySchedule(
            base=settings.webhook_retry_base_seconds,
            cap=settings.webhook_retry_max_seconds,
            window=settings.webhook_retry_window_seconds,
        )
        self.state = WorkerState(name="webhook-dispatcher")
        self._lanes: set[str] = set()
        self._paused: dict[str, float] = {}  # endpoint → monotonic time its pause ends
        self._windows: dict[str, RateWindow] = {}
        self._sender = Sender(self.policy, settings.webhook_timeout_seconds)

    def start(self, tg: TaskGroup) -> None:
        tg.start_soon(supervise, self.state, self.run)

    async def run(self) -> None:
        with self.leaders.lease("webhook-dispatcher") as lease:
            while not await anyio.to_thread.run_sync(lease.try_acquire):
                self.state.leader = False
                await anyio.sleep(1.0)
            self.state.leader = True
            self._sender = Sender(self.policy, self.settings.webhook_timeout_seconds)
            try:
                async with anyio.create_task_group() as tg:
                    await self._dispatch(tg, lease)
            finally:
                self._lanes.clear()
                with anyio.CancelScope(shield=True):
                    await self._sender.aclose()

    async def _dispatch(self, tg: TaskGroup, lease: Leadership) -> None:
        checked = 0.0
        while True:
            ticket = self.wake.ticket()
            if time.monotonic() - checked > LEASE_CHECK_SECONDS:
                if not await anyio.to_thread.run_sync(lease.still_held):
                    log.warning("the webhook dispatcher lost its lease; taking it again")
                    tg.cancel_scope.cancel()  # stop the lanes; the supervisor starts over
                    return
                await anyio.to_thread.run_sync(deliveries.cancel_pending, self.db)
                checked = time.monotonic()
            due = await anyio.to_thread.run_sync(deliveries.due_endpoints, self.db, now())
            for webhook_id in due:
                if webhook_id in self._lanes or self._paused.get(webhook_id, 0) > time.monotonic():
                    continue
                self._lanes.add(webhook_id)
                tg.start_soon(self._lane, webhook_id)
            await Pulse.wait(ticket, self.settings.webhook_poll_seconds)

    async def _lane(self, webhook_id: str) -> None:
        try:
            window = await self._window(webhook_id)
            while True:
                rows = await anyio.to_thread.run_sync(
                    deliveries.due_for, self.db, webhook_id, now(), BATCH
                )
                if not rows:
                    return
                for row in rows:
                    await window.acquire()
                    if not await self._deliver(row):
                        return  # the endpoint asked us to stop (410) or to wait (429)
        finally:
            self._lanes.discard(webhook_id)

    async def _window(self, webhook_id: str) -> RateWindow:
        if webhook_id not in self._windows:
            since = now() - timedelta(seconds=60)
            starts = await anyio.to_thread.run_sync(
                deliveries.recent_attempts, self.db, webhook_id, since
            )
            offset = time.monotonic() - now().timestamp()
            seeded = [from_sortable(s).timestamp() + offset for s in starts]
            self._windows[webhook_id] = RateWindow(self.settings.webhook_rate_per_minute, seeded)
        return self._windows[webhook_id]

    async def _deliver(self, row: Row) -> bool:
        """One attempt, recorded; False when the lane should stop for now."""
        started = now()
        try:
            keys = self._keys(row, started)
            attempt = await self._sender.post(
                row["url"], row["message_id"], keys, row["payload"].encode(), int(time.time())
            )
        except Exception as exc:  # a bad stored URL or secret must not stop the dispatcher
            log.warning("delivery %s could not be attempted: %s", row["id"], type(exc).__name__)
            attempt = Attempt(
                None, f"Could not attempt: {type(exc).__name__}", None, False, 0, None
            )
        outcome, keep_going = self._judge(row, started, attempt)
        await anyio.to_thread.run_sync(deliveries.record, self.db, row, started, attempt, outcome)
        if attempt.status_code == 410:
            await self._gone(row["webhook_id"])
        return keep_going

    def _keys(self, row: Row, moment: datetime) -> list[bytes]:
        keys = [secret_key(self.secrets.open(row["sealed_secret"]))]
        expires = row["previous_expires_at"]
        if row["previous_sealed_secret"] and expires and from_sortable(expires) > moment:
            keys.append(secret_key(self.secrets.open(row["previous_sealed_secret"])))
        return keys

    def _judge(self, row: Row, started: datetime, attempt: Attempt) -> tuple[Outcome, bool]:
        code = attempt.status_code
        if code is not None and 200 <= code < 300:
            return Outcome("delivered", None, None), True
        if code == 410:
            return Outcome("failed", None, "HTTP 410 Gone: endpoint disabled"), False
        error = attempt.error or f"HTTP {code}"
        retry_after = parse_retry_after(attempt.retry_after, started)
        throttled = code == 429 or (code == 503 and retry_after is not None)
        failures = int(row["attempts"]) + 1
        first_due = from_sortable(row["created_at"])
        moment = now()
        following = self.schedule.next_attempt(failures, first_due, moment, retry_after)
        if throttled:
            pause = (following - moment).total_seconds() if following else 60.0
            self._paused[row["webhook_id"]] = time.monotonic() + pause
        if following is None:
            return Outcome("failed", None, f"{error}; gave up after {failures} attempts"), True
        return Outcome("pending", following, error), not throttled

    async def _gone(self, webhook_id: str) -> None:
        """410 Gone: the receiver says the endpoint is no more; disable it, cancel its queue."""
        command = DisableWebhook(
            webhook_id=webhook_id, reason="The receiver answered 410 Gone", actor=ACTOR
        )
        with contextlib.suppress(DomainError):  # deleted meanwhile
            await anyio.to_thread.run_sync(disable_webhook, self.app, command)
        await anyio.to_thread.run_sync(deliveries.cancel_pending, self.db, webhook_id)
        log.info("webhook %s disabled: its receiver answered 410 Gone", webhook_id)
