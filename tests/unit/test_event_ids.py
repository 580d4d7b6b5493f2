"""Event ids never change: the uuid5 of the entity and version, spelled as a public id."""

from __future__ import annotations

from uuid import UUID, uuid5

from hypothesis import given
from hypothesis import strategies as st

from kyros.domain.event_view import _EVENT_IDS, event_id
from kyros.ids import public_id


@given(st.uuids(), st.integers(min_value=1, max_value=2**63 - 1))
def test_an_event_id_is_the_uuid5_of_its_entity_and_version(entity: UUID, version: int) -> None:
    expected = public_id("evt", uuid5(_EVENT_IDS, f"{entity}:{version}"))

    assert event_id(entity, version) == expected


def test_a_released_event_id_is_spelled_as_it_always_was() -> None:
    entity = UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")

    assert event_id(entity, 1) == "evt_78RWE3FSAQA369XVV95RV126CV"
