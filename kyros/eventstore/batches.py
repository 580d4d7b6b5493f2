"""Writes one group-commit batch with the library's own recording step, failing only the saves
that conflict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from kyros.eventstore.group_commit import Save


def write_batch(app: Application[UUID], saves: Sequence[Save]) -> None:
    """Records `saves` in one transaction (the recorder's: one table lock, one commit).

    A save that repeats an event position an earlier save of the batch claims cannot commit
    whichever way the batch goes, so it fails without a round trip. If the transaction still
    fails on a version conflict (an aggregate changed since it was loaded), each save is
    recorded again on its own, so the conflict fails only its own save.
    """
    runnable = _without_collisions(saves)
    if len(runnable) == 1:
        _write_alone(app, runnable[0])
        return
    if not runnable:
        return
    merged: ProcessingEvent[UUID] = ProcessingEvent()
    for save in runnable:
        merged.events.extend(save.event.events)
        merged.aggregates.update(save.event.aggregates)
    try:
        recordings = app._record(merged)
    except IntegrityError:
        _write_one_by_one(app, runnable)
        return
    except Exception as exc:
        for save in runnable:
            save.error = exc
        return
    start = 0
    for save in runnable:
        end = start + len(save.event.events)
        save.recordings = recordings[start:end]
        start = end
    app._notify(recordings)


def _without_collisions(saves: Sequence[Save]) -> list[Save]:
    claimed: set[tuple[Any, int]] = set()
    runnable = []
    for save in saves:
        keys = {(e.originator_id, e.originator_version) for e in save.event.events}
        if keys & claimed:
            save.error = IntegrityError("another save in the same batch wrote this version")
            continue
        claimed |= keys
        runnable.append(save)
    return runnable


def _write_one_by_one(app: Application[UUID], saves: Sequence[Save]) -> None:
    for index, save in enumerate(saves):
        _write_alone(app, save)
        if save.error is not None and not isinstance(save.error, IntegrityError):
            for rest in saves[index + 1 :]:  # the store failed: do not wait on it again
                rest.error = save.error
            return


def _write_alone(app: Application[UUID], save: Save) -> None:
    try:
        save.recordings = app._record(save.event)
    except Exception as exc:
        save.error = exc
        return
    app._notify(save.recordings)
