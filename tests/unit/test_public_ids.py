"""Public ids are the ULID library's own spelling of the UUID, at every edge of the range."""

from __future__ import annotations

import time
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st
from ulid import ULID

from kyros.ids import parse_id, public_id, unordered_id

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


def test_an_unordered_id_is_a_ulid_of_the_millisecond_it_was_made_in() -> None:
    before = int(time.time() * 1000)
    made = [unordered_id("req") for _ in range(200)]
    after = int(time.time() * 1000)
    assert len(set(made)) == len(made)
    for text in made:
        uuid = parse_id("req", text)
        assert uuid is not None and text == f"req_{ULID.from_uuid(uuid)}"
        assert before <= ULID.from_uuid(uuid).milliseconds <= after
