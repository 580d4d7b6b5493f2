"""Two `kyros serve` processes on one PostgreSQL keep one chain: one chaining worker at a time,
one key, and the survivor carries on when the other is killed."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import httpx
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import make_api_key
from tests.builders.http import create_task
from tests.conftest import _empty_schema
from tests.fanout.helpers import eventually
from tests.fanout.processes import JWT_SECRET, Server
from tests.http_client import http_client

pytestmark = pytest.mark.postgres


def auditor_key(database: str, data_dir: Path) -> tuple[str, str]:
    settings = Settings(database_url=database, data_dir=data_dir, jwt_secret=JWT_SECRET)
    with Kyros(settings) as kyros:
        return make_api_key(kyros, "admin").key, make_api_key(kyros, "auditor").key


def verified(client: httpx.Client, head: int) -> dict | None:
    """The verification once the chain has reached `head`."""
    report = client.get("/v1/audit/verify").json()["data"]
    return report if report["chain_head"] >= head else None


def test_two_processes_keep_one_chain_and_the_survivor_carries_it_on(
    postgres_database: str, tmp_path: Path
) -> None:
    _empty_schema(postgres_database)
    admin, auditor = auditor_key(postgres_database, tmp_path / "cli")
    env = {
        "KYROS_DATABASE_URL": postgres_database,
        "KYROS_AUDIT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "KYROS_AUDIT_CHECKPOINT_EVENTS": "5",
    }
    with Server(tmp_path / "a", **env) as a, Server(tmp_path / "b", **env) as b:
        admins = [http_client(base_url=s.url, timeout=20, headers=_bearer(admin)) for s in (a, b)]
        reader = http_client(base_url=b.url, timeout=20, headers=_bearer(auditor))
        for n in range(12):
            create_task(admins[n % 2], title=f"t{n}")
        services = admins[1].get("/v1/monitoring/health").json()["data"]["services"]
        first = eventually(lambda: verified(reader, 12), timeout=30)
        a.kill()
        for n in range(6):
            create_task(admins[1], title=f"after {n}")
        after = eventually(lambda: verified(reader, first["log_head"] + 6), timeout=60)
        listed = reader.get("/v1/audit/checkpoints?limit=200").json()["data"]["checkpoints"]
        for client in (*admins, reader):
            client.close()
    assert "audit_chain" in services
    assert first["ok"] and after["ok"], (first, after)
    assert after["checkpoints"] == len(listed) >= 2
    assert len({c["key_id"] for c in listed}) == 1


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
