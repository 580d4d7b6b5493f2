"""The events API's own decoding of stored rows gives what the library's mapper gives."""

from __future__ import annotations

import base64
import json
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from kyros.domain.task import Task
from kyros.eventstore.log_reads import _MAPPER, decode_values
from tests.builders.event_samples import FIXTURE


class CancelledV3(Task.Cancelled):
    """A hypothetical class two versions on: rows of version 1 are upcast twice."""

    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        state["reason_code"] = "given"

    @staticmethod
    def upcast_v2_v3(state: dict[str, object]) -> None:
        state["reason_code"] = f"{state['reason_code']}-v3"


def _rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def _both(originator_id: object, version: int, topic: str, state: bytes) -> tuple[object, object]:
    ours = decode_values(originator_id, version, topic, state)
    stored = StoredEvent(UUID(str(originator_id)), version, topic, state)
    return ours, _MAPPER.to_domain_event(stored)


def test_every_stored_event_type_decodes_as_the_mapper_decodes_it() -> None:
    rows = _rows()
    for row in rows:
        state = base64.b64decode(str(row["state"]))
        ours, theirs = _both(
            row["originator_id"], int(row["originator_version"]), row["topic"], state
        )  # type: ignore[arg-type]

        assert type(ours) is type(theirs), row["topic"]
        assert ours.__dict__ == theirs.__dict__, row["topic"]
    assert len(rows) > 50


def test_a_row_two_versions_behind_is_upcast_step_by_step_as_the_mapper_does() -> None:
    (row,) = [r for r in _rows() if str(r["topic"]).endswith(":Task.Cancelled")]
    state = base64.b64decode(str(row["state"]))

    ours, theirs = _both(row["originator_id"], 3, get_topic(CancelledV3), state)

    assert isinstance(ours, CancelledV3) and ours.__dict__ == theirs.__dict__
    assert ours.reason_code == "given-v3"  # type: ignore[attr-defined]
