"""Public ids are the ULID library's own spelling of the UUID, at every edge of the range."""

from __future__ import annotations

from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st
from ulid import ULID

from kyros.ids import parse_id, public_id

EDGES = [UUID(int=0), UUID(int=1), UUID(int=2**128 - 1), UUID(int=2**127), UUID(int=1023)]


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_public_id_spells_the_uuid_as_the_ulid_library_does(value: int) -> None:
    uuid = UUID(int=value)
    assert public_id("task", uuid) == f"task_{ULID.from_uuid(uuid)}"


def test_edges_and_random_ids_round_trip_through_parse_id() -> None:
    for uuid in [*EDGES, *(uuid4() for _ in range(200)), *(ULID().to_uuid() for _ in range(200))]:
        text = public_id("esc", uuid)
        assert text == f"esc_{ULID.from_uuid(uuid)}"
        assert parse_id("esc", text) == uuid
