"""A WebSocket authenticating while PostgreSQL is unreachable: 1013 (try again later), never a
4401 that would tell the client its valid credential is wrong, nor an internal error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.conftest import GENEROUS_LIMITS, LiveServer, _empty_schema
from tests.fanout.wsclient import close_code, ws_url
from tests.faults.helpers import BOUND, via_port
from tests.faults.proxy import FreezableProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy() -> Iterator[FreezableProxy]:
    with FreezableProxy(("127.0.0.1", 5432)) as running:
        yield running


def test_an_unreachable_store_while_authenticating_closes_with_1013(
    postgres_database: str, proxy: FreezableProxy, tmp_path: Path
) -> None:
    _empty_schema(postgres_database)
    settings = Settings(
        database_url=via_port(postgres_database, proxy.port),
        data_dir=tmp_path,
        rate_limits=GENEROUS_LIMITS,
        database_timeout_seconds=BOUND,
        postgres_pool_size=4,
    )
    with Kyros(settings) as kyros, LiveServer(kyros) as base_url:
        key = make_api_key(kyros, "viewer").key
        proxy.close()  # the port now refuses connections; open ones are reset
        with connect(ws_url(base_url), open_timeout=10) as socket:
            socket.send(json.dumps({"type": "auth", "token": key}))
            code, reason = close_code(socket, timeout=10 * BOUND)
    assert code == 1013
    assert "unavailable" in reason
