"""WebSocket messages carrying text no store can hold (NUL, an unpaired surrogate) get an
`error` frame naming the field, and the socket goes on; a first auth message is named in a
frame, then refused with 4401."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from kyros.domain.text import UNSTORABLE_ISSUE
from tests.builders.commands import Credential
from tests.fanout.wsclient import close_code, open_socket, receive, subscribe

pytestmark = pytest.mark.both_stores  # PostgreSQL cannot hold some text SQLite can


def _error_for(socket: Any, message: dict[str, Any]) -> dict[str, Any]:
    socket.send(json.dumps(message))  # json escapes NUL and surrogates as \\u0000, \\ud800
    deadline = time.monotonic() + 10  # heartbeats would keep `next_of` waiting for ever
    while (frame := receive(socket))["type"] != "error":
        assert time.monotonic() < deadline, "no error frame"
    error: dict[str, Any] = frame["data"]
    assert error["code"] == "VALIDATION_ERROR"
    return error


# The JSON decoder itself refuses an escaped unpaired surrogate: the whole message is named.
SURROGATE = ("message", "Malformed JSON")
NUL = UNSTORABLE_ISSUE


@pytest.mark.parametrize(
    ("message", "field", "issue"),
    [
        ({"type": "auth", "token": "key\x00"}, "token", NUL),
        ({"type": "auth", "token": "key\ud800"}, *SURROGATE),
        ({"type": "subscribe", "events": ["task_progress"], "filters": {"\ud800": 1}}, *SURROGATE),
        (
            {"type": "subscribe", "events": ["task_progress"], "filters": {"\x00": 1}},
            "filters",
            NUL,
        ),
        (
            {"type": "subscribe", "events": ["task_progress"], "filters": {"task_id": "t\x00"}},
            "filters.task_id",
            NUL,
        ),
        ({"type": "subscribe", "events": ["task_progress\x00"]}, "events[0]", NUL),
        ({"type": "ping", "note\x00": "x"}, "message", NUL),
    ],
)
def test_an_unstorable_field_gets_an_error_frame_naming_it_and_the_socket_goes_on(
    base_url: str, admin: Credential, message: dict[str, Any], field: str, issue: str
) -> None:
    with open_socket(base_url, admin.key) as socket:
        error = _error_for(socket, message)
        assert error["details"] == {"field": field, "issue": issue}
        ack = subscribe(socket, ["task_progress"])  # still served, still authenticated
        assert ack["data"]["events"] == ["task_progress"]


@pytest.mark.parametrize("token", ["key\x00", "\x00"])
def test_an_unstorable_first_auth_message_is_named_then_refused(base_url: str, token: str) -> None:
    with open_socket(base_url) as socket:
        error = _error_for(socket, {"type": "auth", "token": token})
        assert error["details"] == {"field": "token", "issue": UNSTORABLE_ISSUE}
        code, reason = close_code(socket)
    assert code == 4401 and reason.startswith("token:")
