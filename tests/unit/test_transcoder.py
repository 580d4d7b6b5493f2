"""The msgpack transcoder round-trips every stored type exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyros.eventstore.transcoder import MsgpackTranscoder

scalars = (
    st.text()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.booleans()
    | st.none()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.datetimes(timezones=st.just(UTC))
    | st.uuids()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type all the way down (Decimal('1.10') is not '1.10')."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal):
        return str(a) == str(b)
    return bool(a == b)


@given(st.dictionaries(st.text(), values, max_size=8))
def test_every_supported_value_round_trips_with_its_type(state: dict[str, Any]) -> None:
    transcoder = MsgpackTranscoder()
    assert same(transcoder.decode(transcoder.encode(state)), state)


def test_decimals_keep_their_exact_digits() -> None:
    transcoder = MsgpackTranscoder()
    out = transcoder.decode(transcoder.encode({"cost": Decimal("0.850"), "tiny": Decimal("1E-9")}))
    assert str(out["cost"]) == "0.850"
    assert str(out["tiny"]) == "1E-9"


def test_datetimes_come_back_in_utc_with_microseconds() -> None:
    moment = datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)
    uid = UUID("12345678-1234-5678-1234-567812345678")
    out = MsgpackTranscoder().decode(MsgpackTranscoder().encode({"at": moment, "id": uid}))
    assert out["at"] == moment
    assert out["at"].tzinfo is not None
    assert out["id"] == uid


def test_unsupported_types_are_refused_rather_than_stored_lossily() -> None:
    with pytest.raises(TypeError):
        MsgpackTranscoder().encode({"x": object()})
