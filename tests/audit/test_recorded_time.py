"""The chain's recorded time, read from the stored bytes, is the event's own timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kyros.audit.link import rfc3339
from kyros.audit.stored import recorded_at
from kyros.eventstore.transcoder import MsgpackTranscoder

TRANSCODER = MsgpackTranscoder()
MOMENTS = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2400, 1, 1), timezones=st.just(UTC)
)


@given(MOMENTS)
def test_the_fast_reading_agrees_with_decoding_the_state(moment: datetime) -> None:
    state = TRANSCODER.encode({"timestamp": moment, "originator_topic": "x:Y", "n": 1})

    assert recorded_at(state) == rfc3339(moment)


def test_a_state_laid_out_otherwise_is_decoded() -> None:
    moment = datetime(2026, 11, 30, 23, 8, 39, 120, tzinfo=UTC) + timedelta(days=1)
    state = TRANSCODER.encode({"actor": "a", "timestamp": moment})

    assert recorded_at(state) == "2026-12-01T23:08:39.000120Z"


def test_an_unreadable_state_has_no_recorded_time() -> None:
    assert recorded_at(b"\xc1garbage") == ""
