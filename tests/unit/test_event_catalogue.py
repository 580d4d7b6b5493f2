"""The public event catalogue: every event class named, redacted and readable for ever."""

from __future__ import annotations

import base64
import json
import re
from uuid import UUID

import msgspec
import pytest
from eventsourcing.utils import get_topic

from kyros.domain.event_catalogue import BY_NAME, BY_QUALNAME, EventType, types_matching
from kyros.domain.event_view import public_view
from kyros.domain.task import Task
from kyros.eventstore.log_reads import decode
from tests.builders.event_samples import FIXTURE, domain_event_classes, sample

# A field whose name says it may hold a secret must be redacted (or shown safe here, by name).
SECRET_NAMES = re.compile(r"hash|secret|password|token_id|digest|fingerprint|^body$")
_ENCODER = msgspec.json.Encoder(decimal_format="number")
EVENT_CLASSES = domain_event_classes()


def test_the_walk_finds_every_event_class_of_the_domain() -> None:
    """Guards the walk itself: it must find the known ones, or the tests below prove nothing."""
    names = {c.__qualname__ for c in EVENT_CLASSES}
    assert {"Task.Created", "User.PasswordChanged", "Webhook.SecretRotated"} <= names
    assert len(EVENT_CLASSES) >= 70


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda c: c.__qualname__)
def test_every_event_class_has_a_public_name_and_a_redaction_decision(event_class: type) -> None:
    described = BY_QUALNAME.get(event_class.__qualname__)
    assert described is not None, f"add {event_class.__qualname__} to the event catalogue"
    assert described.event_class is event_class
    assert re.fullmatch(r"[a-z_]+\.[a-z_]+", described.name)
    secretive = {f for f in (*described.fields, *described.redacted) if SECRET_NAMES.search(f)}
    assert secretive <= set(described.redacted), "a secret-looking field is public"


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda c: c.__qualname__)
def test_no_redacted_value_reaches_the_public_view(event_class: type) -> None:
    described = BY_QUALNAME[event_class.__qualname__]
    event = sample(event_class)
    text = _ENCODER.encode(public_view(1, event, described)).decode()
    assert "do-not-leak" not in text
    for name in described.redacted:
        assert name not in json.loads(text)["data"]
    assert set(json.loads(text)["data"]) == set(described.fields)


def test_public_names_are_unique() -> None:
    assert len(BY_NAME) == len(BY_QUALNAME)


def test_a_family_prefix_selects_exactly_that_family() -> None:
    chosen = types_matching(("escalation.*", "budget.reserved"))
    assert {t.family for t in chosen} == {"escalation", "budget"}
    assert [t.name for t in chosen if t.family == "budget"] == ["budget.reserved"]


def _fixture_rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def _stored(row: dict[str, object], topic: str | None = None) -> dict[str, object]:
    """A row as `stored_rows` selects it (the state as stored bytes)."""
    return {
        "originator_id": row["originator_id"],
        "originator_version": row["originator_version"],
        "topic": topic or row["topic"],
        "state": base64.b64decode(str(row["state"])),
    }


def test_rows_stored_by_version_1_still_read_as_they_did() -> None:
    """Committed bytes of every event type as version 1 stored them: an edit to an event
    class, its catalogue row or the view that changes how an old row reads fails here."""
    rows = _fixture_rows()
    for row in rows:
        event = decode(_stored(row))
        view = public_view(7, event, BY_QUALNAME[type(event).__qualname__])
        assert json.loads(_ENCODER.encode(view)) == row["view"], row["topic"]


def test_every_current_event_type_has_a_stored_fixture() -> None:
    """A new event type needs its rows in a new fixture file before it is released."""
    stored = {str(r["topic"]) for r in _fixture_rows()}
    assert {get_topic(c) for c in EVENT_CLASSES} <= stored


class CancelledV2(Task.Cancelled):
    """A hypothetical next version of `Task.Cancelled`: a required reason code."""

    class_version = 2
    reason_code: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        state["reason_code"] = "unspecified" if state.get("reason") is None else "given"


def test_a_next_version_upcasts_rows_stored_by_version_1() -> None:
    (row,) = [r for r in _fixture_rows() if str(r["topic"]).endswith(":Task.Cancelled")]
    event = decode(_stored(row, topic=get_topic(CancelledV2)))
    assert isinstance(event, CancelledV2)
    assert (event.reason, event.reason_code) == ("reason-value", "given")
    v2 = EventType(
        "task.cancelled", "Task.Cancelled", CancelledV2, "task", (), ("reason", "reason_code")
    )
    assert v2.version == 2
    assert public_view(7, event, v2)["data"] == {"reason": "reason-value", "reason_code": "given"}
    assert v2.schema()["properties"]["reason_code"] == {"type": "string"}


def test_the_decoder_reads_the_id_as_each_store_returns_it() -> None:
    (row,) = [r for r in _fixture_rows() if str(r["topic"]).endswith(":Task.Failed")]
    as_hex = {**_stored(row), "originator_id": UUID(str(row["originator_id"])).hex}
    as_uuid = {**_stored(row), "originator_id": UUID(str(row["originator_id"]))}
    assert decode(as_hex).__dict__ == decode(as_uuid).__dict__
