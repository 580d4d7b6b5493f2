"""Logs of a real server: request ids on every line, one access line, no secret ever."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.observability.log_format import log_handler
from kyros.settings import Settings
from tests.builders.commands import PASSWORD, Credential, make_user
from tests.builders.http import client_as
from tests.e2e.auth_helpers import bearer, login, tokens
from tests.fanout.processes import Server


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Read-your-writes gives up quickly, so a stopped read model logs within the request."""
    return msgspec.structs.replace(settings, read_your_writes_seconds=0.3)


@contextmanager
def capture(log_format: str) -> Iterator[io.StringIO]:
    """The root logger writes here in `log_format`, as `kyros serve` writes to stderr."""
    stream = io.StringIO()
    handler = log_handler(log_format, stream)
    root, client = logging.getLogger(), logging.getLogger("httpx")
    levels = root.level, client.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    client.setLevel(logging.WARNING)  # the test's own client logs the URLs it calls
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        client.setLevel(levels[1])


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    with capture("json") as stream:
        yield stream


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def written(stream: io.StringIO, text: str) -> str:
    """What the stream holds once `text` is in it (the access log's thread writes after the
    answer has gone out, in the order the requests ended)."""
    deadline = time.monotonic() + 10
    while text not in (value := stream.getvalue()):
        assert time.monotonic() < deadline, f"{text!r} was never logged"
        time.sleep(0.02)
    return value


def logged(stream: io.StringIO, request_id: str) -> list[dict[str, Any]]:
    """The records once the access line of `request_id` is among them: the access log is
    written by a thread of its own, after the answer has gone out."""
    deadline = time.monotonic() + 10
    while True:
        lines = records(stream)
        if any(r["request_id"] == request_id and r["logger"] == "kyros.access" for r in lines):
            return lines
        assert time.monotonic() < deadline, f"no access line for {request_id}"
        time.sleep(0.02)


def test_every_line_logged_while_handling_a_request_carries_its_request_id(
    kyros: Kyros, base_url: str, client: httpx.Client, json_lines: io.StringIO
) -> None:
    kyros.projections.stop("agents")  # registering an agent (it reads back agents) now times
    # out read-your-writes, and says so in the log
    (agents,) = [w.state for w in kyros.projections.workers if w.name == "agents"]
    deadline = time.monotonic() + 10
    while agents.status != "stopped":
        assert time.monotonic() < deadline
        time.sleep(0.02)

    with client_as(kyros, base_url, "agent") as (agent, credential):
        created = agent.post(
            "/v1/agents/register",
            json={"role": "implementer", "capacity": 1, "name": "logged"},
            headers={"X-Request-ID": "r-42"},
        )
    assert created.status_code == 201
    assert created.headers["X-Request-ID"] == "r-42"
    client.get("/v1/tasks", headers={"X-Request-ID": "r-43"})

    lines = logged(json_lines, "r-43")
    assert all({"timestamp", "level", "logger", "message", "request_id"} <= set(r) for r in lines)
    mine = [r for r in lines if r["request_id"] == "r-42"]
    assert {r["logger"] for r in mine} == {"kyros.bootstrap", "kyros.access"}
    (behind,) = [r for r in mine if r["logger"] == "kyros.bootstrap"]
    assert behind["level"] == "WARNING"
    assert "read models still behind" in behind["message"]
    (access,) = [r for r in mine if r["logger"] == "kyros.access"]
    assert access["message"].startswith("POST /v1/agents/register 201 ")
    route = ("POST", "/v1/agents/register", 201)
    assert (access["method"], access["route"], access["status"]) == route
    assert access["duration_ms"] >= 300  # it waited out read-your-writes
    assert access["principal"] == credential.id
    assert access["timestamp"].endswith("Z")
    other = [r for r in lines if r["request_id"] == "r-43"]
    assert [r["logger"] for r in other] == ["kyros.access"]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_key_token_or_password_reaches_the_log(
    kyros: Kyros,
    base_url: str,
    client: httpx.Client,
    admin: Credential,
    anonymous: httpx.Client,
    log_format: str,
) -> None:
    make_user(kyros, "logged-user", ["viewer"])
    with capture(log_format) as captured:
        session = tokens(anonymous, "logged-user")
        assert login(anonymous, "logged-user", "a wrong password").status_code == 401
        assert (
            anonymous.get("/v1/tasks", headers=bearer(session["access_token"])).status_code == 200
        )
        anonymous.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
        # /v1/tasks takes no `token` (only WebSockets do): refused, and logged without it
        assert client.get("/v1/tasks", params={"token": "query-secret-123"}).status_code == 422
        assert anonymous.get("/metrics", headers={"X-API-Key": "kyros_bogus_secret"}).status_code
        assert client.get("/metrics").status_code == 200
        logged = written(captured, "GET /metrics 200")  # the last line: every other one is in
    assert logged.count("/v1/tasks 200") == 1  # the requests were logged,
    assert logged.count("/v1/tasks 422") == 1
    secrets = (
        admin.key,
        PASSWORD,
        "a wrong password",
        session["access_token"],
        session["refresh_token"],
        "query-secret-123",
        "kyros_bogus_secret",
    )
    assert [secret for secret in secrets if secret in logged] == []  # their secrets were not


def test_kyros_serve_writes_json_lines_when_asked(tmp_path: Path) -> None:
    with Server(tmp_path, KYROS_LOG_FORMAT="json") as server:
        live = httpx.get(f"{server.url}/v1/health/live", headers={"X-Request-ID": "r-serve"})
        assert live.status_code == 200
        server.stop()
        output = server.stderr.read_text().splitlines()
    banner = [line for line in output if not line.startswith("{")]
    assert [line.split(" on ")[0] for line in banner] == ["Kyros"]  # click's one startup line
    lines = [json.loads(line) for line in output if line.startswith("{")]
    assert any(r["logger"] == "uvicorn.error" for r in lines)  # the server's own records too
    (access,) = [r for r in lines if r["request_id"] == "r-serve"]
    assert (access["logger"], access["route"], access["status"]) == (
        "kyros.access",
        "/v1/health/live",
        200,
    )
