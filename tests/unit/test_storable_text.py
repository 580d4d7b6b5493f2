"""The one text rule: what neither SQLite nor PostgreSQL text (nor UTF-8) can hold."""

from __future__ import annotations

import pytest

from kyros.domain.text import is_storable, storable


@pytest.mark.parametrize("text", ["", "plain", "naïve café", "emoji \U0001f600", "tab\tnl\n"])
def test_ordinary_text_is_storable_and_left_alone(text: str) -> None:
    assert is_storable(text)
    assert storable(text) == text


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [("a\x00b", "a\ufffdb"), ("\ud800", "\ufffd"), ("x\udc00y\x00", "x\ufffdy\ufffd")],
)
def test_nul_and_unpaired_surrogates_are_not_and_are_replaced(text: str, cleaned: str) -> None:
    assert not is_storable(text)
    assert storable(text) == cleaned
    cleaned.encode("utf-8")  # now encodable
