"""Catch-up's read of the log by ranges: the same events as the library's mapper gives, only the
wanted types, and a page that ends at its range's end when it holds nothing wanted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic

from kyros.bootstrap import Kyros
from kyros.projections.log_page import kind_of
from kyros.projections.log_range import decoder, read_range
from kyros.timefmt import now
from tests.builders.commands import make_agent
from tests.builders.history import seed_mix

pytestmark = pytest.mark.both_stores


@pytest.fixture
def seeded(kyros: Kyros) -> int:
    seed_mix(kyros.app, 600, tasks_per_save=20)
    return kyros.app.head()


def test_every_event_read_by_range_equals_what_the_mapper_decodes(
    kyros: Kyros, seeded: int
) -> None:
    page = read_range(kyros.db, decoder(kyros.app.mapper), 0, seeded, seeded + 1, None)
    notifications = kyros.app.recorder.select_notifications(start=1, limit=seeded + 1)
    expected = [(n.id, kyros.app.mapper.to_domain_event(n)) for n in notifications]
    assert [at for at, _, _ in page.events] == [at for at, _ in expected]
    for (_, kind, event), (_, wanted) in zip(page.events, expected, strict=True):
        assert type(event) is type(wanted)
        assert kind == type(wanted).__qualname__
        assert vars(event) == vars(wanted)
    assert page.end == seeded


def test_a_range_holding_no_wanted_type_ends_at_its_upper_bound(kyros: Kyros, seeded: int) -> None:
    page = read_range(kyros.db, decoder(kyros.app.mapper), 0, seeded, 100, {"Task.Nothing"})
    assert page.events == []
    assert page.end == seeded


def test_a_page_cut_by_its_limit_ends_at_its_last_wanted_event(kyros: Kyros, seeded: int) -> None:
    page = read_range(kyros.db, decoder(kyros.app.mapper), 0, seeded, 5, {"Task.Completed"})
    assert [kind for _, kind, _ in page.events] == ["Task.Completed"] * 5
    assert page.end == page.events[-1][0] < seeded
    later = read_range(kyros.db, decoder(kyros.app.mapper), page.end, seeded, 10_000, None)
    topics = [kind_of(later.topic(at)) for at in later.ids]
    assert topics.count("Task.Completed") > 0  # the rest come on the next page


def test_a_catch_up_ends_at_the_head_when_the_log_ends_with_types_it_does_not_consume(
    kyros: Kyros, seeded: int
) -> None:
    for index in range(3):
        make_agent(kyros.app, actor=f"key_{index}")  # agents' events: analytics reads none
    head = kyros.app.head()
    assert head > seeded
    kyros.engine.reset("analytics")
    assert kyros.engine.catch_up("analytics", 50) == head
    assert kyros.engine.position("analytics") == head


@dataclass(frozen=True)
class Renamed(DomainEvent):
    """An event whose second version added a field, with an upcaster from the first."""

    label: str
    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["label"] = "from version 1"


def test_an_event_stored_by_an_older_class_version_is_upcast(kyros: Kyros) -> None:
    decode = decoder(kyros.app.mapper)
    stored = kyros.app.mapper.transcoder.encode({"timestamp": now()})  # version 1: no label
    originator = uuid4()
    event = decode(get_topic(Renamed), originator.hex, 3, stored)
    assert type(event) is Renamed
    assert event.label == "from version 1"
    assert event.originator_id == originator
    assert isinstance(event.originator_id, UUID)
    assert event.originator_version == 3
