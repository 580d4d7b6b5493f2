"""The chaining worker: links every stored event into the chain and signs checkpoints.

Runs once across the cluster (its own lease, like the projection reader). It follows the log a
page at a time; each page's links, any checkpoint it earns and that checkpoint's webhook
deliveries commit in one transaction, so the chain, its checkpoints and the copies sent outside
never disagree. Its lag (log head minus chain head) is shown in the health report.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyros.audit import checkpoints
from kyros.audit.checkpoints import Checkpoint
from kyros.audit.keys import key_id, public_bytes
from kyros.audit.link import GENESIS
from kyros.audit.stored import PAGE, StoredEvent, read_stored
from kyros.audit.tables import create_tables
from kyros.cluster.leadership import LEASE_CHECK_SECONDS, LeaderSession, Leadership
from kyros.cluster.signals import Pulse
from kyros.readstore.database import Cursor, Database
from kyros.supervision import WorkerState
from kyros.timefmt import from_sortable, now, sortable
from kyros.webhooks.direct import enqueue

log = logging.getLogger(__name__)

LEASE = "audit-chain"
HOOK_TYPE = "audit.checkpoint"
END = 2**62  # past any position


@dataclass(frozen=True, slots=True)
class CheckpointPolicy:
    """A checkpoint once `events` have been chained since the last, or after `interval` when
    any have."""

    events: int
    interval: timedelta


class AuditChain:
    def __init__(
        self,
        db: Database,
        key: Ed25519PrivateKey,
        policy: CheckpointPolicy,
        *,
        leaders: LeaderSession,
        appended: Pulse,
        poll_seconds: float,
    ) -> None:
        self.db, self.key, self.policy = db, key, policy
        self.key_id = key_id(key.public_key())
        self.leaders, self.appended, self.poll_seconds = leaders, appended, poll_seconds
        self.state = WorkerState(name="audit-chain")
        self.position = 0  # the chain's head as this process last saw it
        self._started = now()
        self.refusal: str | None = None  # why it does not sign now (health shows it)
        create_tables(db)

    def step(self, at: datetime | None = None) -> int:
        """Chains one page past the chain's head, no further than the next checkpoint's
        count (so a backlog still gets one every `policy.events`), signing it when due;
        returns how many events it chained."""
        at = at or now()
        with self.db.transaction() as tx:
            head, previous = chain_head(tx)
            last = checkpoints.latest(tx)
            count = _chained_since(tx, last.position if last else 0)
            room = self.policy.events - count
            events = read_stored(
                tx, self.db.dialect, head, END, min(PAGE, room) if room > 0 else PAGE
            )
            if events:
                previous = self._append(tx, events, previous)
                head = events[-1].position
            self._checkpoint_if_due(tx, last, count + len(events), head, previous, at)
        self.position = head
        return len(events)

    def catch_up(self) -> int:
        """Chains to the log's head (a CLI and test entry point); returns the chain's head."""
        while self.step():
            pass
        return self.position

    def _append(self, tx: Cursor, events: list[StoredEvent], previous: bytes) -> bytes:
        rows = []
        for event in events:
            previous = event.link_after(previous)
            rows.append(
                (
                    event.position,
                    event.entity_hex,
                    event.version,
                    event.topic,
                    event.recorded_at,
                    hashlib.sha256(event.state).hexdigest(),
                    previous.hex(),
                )
            )
        tx.executemany(
            "INSERT INTO audit_links (position, entity, version, topic, recorded_at,"
            " state_sha256, link) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return previous

    def _checkpoint_if_due(
        self,
        tx: Cursor,
        last: Checkpoint | None,
        count: int,
        head: int,
        link: bytes,
        at: datetime,
    ) -> None:
        """`count`: events chained since `last`, the latest checkpoint."""
        if count == 0:
            return
        began = from_sortable(last.created_at) if last else self._started
        if count < self.policy.events and at - began < self.policy.interval:
            return
        if last is not None and last.key_id != self.key_id:
            self._refuse(last)
            return
        self.refusal = None
        sequence = (last.sequence if last else 0) + 1
        made = checkpoints.sign(
            self.key, self.key_id, sequence, head, link.hex(), sortable(at) or ""
        )
        checkpoints.insert(tx, made)
        enqueue(tx, HOOK_TYPE, head, at, self.announcement(made), f"checkpoint:{sequence}")
        log.info("audit: checkpoint %d signed at position %d", sequence, head)

    def _refuse(self, last: Checkpoint) -> None:
        """Two keys in one chain would make every checkpoint of one of them fail verification:
        the links go on, the signing waits for the operator to give every process one key."""
        refusal = (
            f"checkpoint {last.sequence} was signed with key {last.key_id}, this process holds"
            f" key {self.key_id}: set the same KYROS_AUDIT_SIGNING_KEY on every process"
        )
        if refusal != self.refusal:
            log.error("audit: not signing: %s", refusal)
        self.refusal = refusal

    def announcement(self, made: Checkpoint) -> dict[str, object]:
        """The webhook's data: the checkpoint and the key that signs it, to be kept outside."""
        public = base64.b64encode(public_bytes(self.key.public_key())).decode()
        return {**made.as_json(), "public_key": public}

    async def run(self) -> None:
        """Follows the log while it leads; a lost lease is taken again."""
        with self.leaders.lease(LEASE) as leadership:
            while True:
                while not await anyio.to_thread.run_sync(leadership.try_acquire):
                    self.state.leader = False
                    await anyio.sleep(1.0)
                self.state.leader = True
                await self._lead(leadership)
                self.state.leader = False
                log.warning("the audit chain lost its lease; taking it again")

    async def _lead(self, leadership: Leadership) -> None:
        checked = time.monotonic()
        while True:
            if time.monotonic() - checked > LEASE_CHECK_SECONDS:
                if not await anyio.to_thread.run_sync(leadership.still_held):
                    return
                checked = time.monotonic()
            ticket = self.appended.ticket()
            if await anyio.to_thread.run_sync(self.step):
                continue  # more may be waiting
            await Pulse.wait(ticket, self.poll_seconds)


def _chained_since(tx: Cursor, position: int) -> int:
    row = tx.execute(
        "SELECT COUNT(*) AS n FROM audit_links WHERE position > ?", (position,)
    ).fetchone()
    return int(row["n"]) if row else 0


def chain_head(tx: Cursor) -> tuple[int, bytes]:
    """The last chained position and its link (0 and GENESIS for an empty chain)."""
    row = tx.execute(
        "SELECT position, link FROM audit_links ORDER BY position DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return 0, GENESIS
    return int(row["position"]), bytes.fromhex(row["link"])


def audit_chain_head(db: Database) -> int:
    with db.transaction(write=False) as tx:
        return chain_head(tx)[0]
