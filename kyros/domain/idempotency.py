"""The IdempotencyRecord aggregate: one caller's Idempotency-Key on one route, for 24 hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

LIFETIME = timedelta(hours=24)
# A record claimed this recently without an answer is being answered now (the command has
# committed; the server is building the answer). Older and still unanswered: the answer was
# lost, the process stopped between the two saves.
ANSWER_GRACE = timedelta(seconds=60)
Verdict = Literal["run", "mismatch", "replay", "in_flight", "lost"]
_NAMESPACE = uuid5(NAMESPACE_URL, "https://kyros.dev/idempotency-keys")


class IdempotencyRecord(Aggregate):
    """Claimed in the same save as the command's own events, so a key's effect happens once:
    a second claim of the same key conflicts on this aggregate's version and rolls back the
    whole save. The answer is recorded by a second save, once the server has built it."""

    @staticmethod
    def create_id(scope: str) -> UUID:
        return uuid5(_NAMESPACE, scope)

    @event("Claimed")
    def __init__(self, *, scope: str, fingerprint: str, claimed_at: datetime) -> None:
        self._claim(fingerprint, claimed_at)

    def reclaim(self, *, fingerprint: str, claimed_at: datetime) -> None:
        """After `LIFETIME` the key is free again: the next request runs anew."""
        self._reclaimed(fingerprint=fingerprint, claimed_at=claimed_at)

    @event("Reclaimed")
    def _reclaimed(self, fingerprint: str, claimed_at: datetime) -> None:
        self._claim(fingerprint, claimed_at)

    def _claim(self, fingerprint: str, claimed_at: datetime) -> None:
        self.fingerprint = fingerprint
        self.claimed_at = claimed_at
        self.status: int | None = None
        self.body: str | None = None  # the answer as sent, or sealed (see `sealed`)
        self.sealed = False
        self.resource_id: str | None = None  # set when the answer itself is withheld

    @event("Answered")
    def answer(
        self, *, status: int, body: str | None, sealed: bool, resource_id: str | None
    ) -> None:
        """`body` None: the answer showed a secret once and is not kept (`resource_id` says
        what was made)."""
        self.status = status
        self.body = body
        self.sealed = sealed
        self.resource_id = resource_id

    def verdict(self, fingerprint: str, now: datetime) -> Verdict:
        """What a request bearing this key again should get."""
        if now >= self.claimed_at + LIFETIME:
            return "run"
        if fingerprint != self.fingerprint:
            return "mismatch"
        if self.status is not None:
            return "replay"
        return "lost" if now >= self.claimed_at + ANSWER_GRACE else "in_flight"
