"""Idempotency keys: claim one with the command's own save, then record the answer sent."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

import msgspec
from eventsourcing.application import AggregateNotFoundError

from kyros.domain.errors import Conflict
from kyros.domain.idempotency import IdempotencyRecord, Verdict
from kyros.eventstore.application import KyrosApplication


class ClaimKey(msgspec.Struct, frozen=True, kw_only=True):
    scope: str  # caller, method, path and key: see `kyros.http.idempotency`
    fingerprint: str
    now: datetime


class RecordAnswer(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    body: str | None
    sealed: bool = False
    resource_id: str | None = None


def claim_key(app: KyrosApplication, cmd: ClaimKey) -> tuple[Verdict, IdempotencyRecord]:
    """The verdict, and the record; for "run" the record holds an unsaved claim that is to
    ride along with the command's save (`kyros.eventstore.riders`)."""
    record_id = IdempotencyRecord.create_id(cmd.scope)
    try:
        record: IdempotencyRecord = app.repository.get(record_id)
    except AggregateNotFoundError:
        fresh = IdempotencyRecord(scope=cmd.scope, fingerprint=cmd.fingerprint, claimed_at=cmd.now)
        return "run", fresh
    verdict = record.verdict(cmd.fingerprint, cmd.now)
    if verdict == "run":
        record.reclaim(fingerprint=cmd.fingerprint, claimed_at=cmd.now)
    return verdict, record


def recheck_key(app: KyrosApplication, cmd: ClaimKey) -> tuple[Verdict, IdempotencyRecord] | None:
    """After the command's save conflicted: another request's claim of this key, if any."""
    try:
        record: IdempotencyRecord = app.repository.get(IdempotencyRecord.create_id(cmd.scope))
    except AggregateNotFoundError:
        return None
    verdict = record.verdict(cmd.fingerprint, cmd.now)
    return (verdict, record) if verdict != "run" else None


def record_answer(app: KyrosApplication, record: IdempotencyRecord, cmd: RecordAnswer) -> None:
    """Saves the claim too when the command saved nothing (an action that changed nothing).
    Losing a race here leaves the other request's answer in place, which is as good."""
    record.answer(**msgspec.structs.asdict(cmd))
    with suppress(Conflict):
        app.save_all(record)
