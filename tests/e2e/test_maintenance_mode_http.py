"""Maintenance mode over a real socket: writes answer 503, reads and in-flight work go on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import msgspec
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.builders.commands import Credential, make_user
from tests.builders.http import agent_client, create_task, register_agent
from tests.conftest import LiveServer
from tests.e2e.agent_helpers import claim, complete, data, submit
from tests.e2e.auth_helpers import bearer, tokens
from tests.e2e.helpers import assert_error
from tests.fanout.wsclient import next_of, open_socket
from tests.http_client import http_client

pytestmark = pytest.mark.both_stores  # the switch crosses servers through the store


def maintenance(client: httpx.Client, on: bool) -> None:
    response = client.put("/v1/configuration", json={"system": {"maintenance_mode": on}})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["system"]["maintenance_mode"] is on


def assert_maintenance(response: httpx.Response) -> None:
    body = assert_error(response, 503, "SERVICE_UNAVAILABLE", field="system.maintenance_mode")
    assert "maintenance" in body["error"]["details"]["issue"]
    assert int(response.headers["retry-after"]) > 0


def test_writes_are_refused_with_503_and_retry_after_while_maintenance_is_on(
    client: httpx.Client,
) -> None:
    task = create_task(client)
    maintenance(client, True)
    assert_maintenance(client.post("/v1/tasks", json={"title": "refused"}))
    assert_maintenance(client.put(f"/v1/tasks/{task['id']}", json={"title": "renamed"}))
    assert_maintenance(client.delete(f"/v1/tasks/{task['id']}"))
    assert_maintenance(client.post("/v1/webhooks", json={"url": "https://example.com/h"}))
    assert client.get(f"/v1/tasks/{task['id']}").json()["data"]["title"] == "A task"


def test_reads_health_and_the_configuration_keep_working_in_maintenance(
    client: httpx.Client,
) -> None:
    task = create_task(client)
    maintenance(client, True)
    assert client.get(f"/v1/tasks/{task['id']}").status_code == 200
    assert client.get("/v1/tasks").status_code == 200
    assert client.get("/v1/health/live").status_code == 200
    assert client.get("/v1/health/ready").status_code == 200
    assert client.get("/v1/monitoring/health").status_code == 200
    assert client.get("/v1/configuration").json()["data"]["system"]["maintenance_mode"] is True


def test_turning_maintenance_off_restores_writes(client: httpx.Client) -> None:
    maintenance(client, True)
    assert_maintenance(client.post("/v1/tasks", json={"title": "refused"}))
    maintenance(client, False)
    assert create_task(client, title="accepted")["title"] == "accepted"


def test_an_admin_can_sign_in_and_end_maintenance(
    kyros: Kyros, client: httpx.Client, anonymous: httpx.Client
) -> None:
    make_user(kyros, "root", ["admin"])
    maintenance(client, True)
    session = tokens(anonymous, "root")
    refreshed = anonymous.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    access = refreshed.json()["data"]["access_token"]
    body = {"system": {"maintenance_mode": False}}
    assert anonymous.put("/v1/configuration", json=body, headers=bearer(access)).status_code == 200
    assert create_task(client)["status"]


def test_work_in_flight_finishes_while_new_work_is_refused(
    kyros: Kyros, client: httpx.Client, base_url: str
) -> None:
    queued, waiting = create_task(client), create_task(client)
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        submit(client, queued["id"])
        submission = claim(agent, agent_id)
        maintenance(client, True)
        assert_maintenance(
            client.post("/v1/agents/implementer/submit", json={"task_id": waiting["id"]})
        )
        assert_maintenance(agent.post(f"/v1/agents/{agent_id}/claim", params={"wait": 0}))
        assert_maintenance(
            agent.post("/v1/agents/register", json={"role": "critic", "capacity": 1})
        )
        assert data(agent.post(f"/v1/agents/{agent_id}/heartbeat"))["leases"]
        progress = {"completed_steps": 1, "total_steps": 2}
        data(agent.post(f"/v1/submissions/{submission['submission_id']}/progress", json=progress))
        data(complete(agent, submission["submission_id"]))


def test_websockets_keep_working_in_maintenance(
    client: httpx.Client, base_url: str, admin: Credential
) -> None:
    maintenance(client, True)
    with open_socket(base_url, path=f"/v1/ws?token={admin.key}") as socket:
        assert next_of(socket, "authenticated")["data"]["kind"] == "api_key"


@contextmanager
def servers_without_workers(
    settings: Settings, admin: Credential
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Clients of two servers, each with its own Kyros as a second process would have, whose
    read models never move (no worker runs anywhere), so only a check that reads the log can
    see the switch."""
    quick = msgspec.structs.replace(settings, read_your_writes_seconds=0.1)
    headers = {"Authorization": f"Bearer {admin.key}"}
    with (
        Kyros(quick) as first,
        Kyros(quick) as second,
        LiveServer(first, run_workers=False) as a,
        LiveServer(second, run_workers=False) as b,
        http_client(base_url=a, timeout=10, headers=headers) as one,
        http_client(base_url=b, timeout=10, headers=headers) as other,
    ):
        yield one, other


def test_every_server_honours_the_switch_as_soon_as_it_commits_without_read_models(
    kyros: Kyros, settings: Settings, admin: Credential
) -> None:
    def accepted(response: httpx.Response) -> None:
        """Not refused: the log grew (the answer itself may wait in vain for a read model)."""
        assert response.status_code != 503, response.text

    with servers_without_workers(settings, admin) as (one, other):
        before = kyros.app.head()
        accepted(other.post("/v1/tasks", json={"title": "accepted"}))
        assert kyros.app.head() > before
        body = {"system": {"maintenance_mode": True}}
        assert one.put("/v1/configuration", json=body).status_code == 200
        head = kyros.app.head()
        assert_maintenance(other.post("/v1/tasks", json={"title": "refused"}))
        assert_maintenance(one.post("/v1/tasks", json={"title": "refused"}))
        assert kyros.app.head() == head
        body = {"system": {"maintenance_mode": False}}
        assert other.put("/v1/configuration", json=body).status_code == 200
        head = kyros.app.head()
        accepted(one.post("/v1/tasks", json={"title": "accepted"}))
        assert kyros.app.head() > head
