"""A query parameter an endpoint does not take is 422 naming it, on every route of the contract;
the ones it takes still work, and routes outside the contract take what their clients send."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import assert_error, total_tasks
from tests.fanout.wsclient import next_of, open_socket

UNKNOWN = "surely_not_a_parameter"


def operations(client: httpx.Client, method: str) -> list[tuple[str, list[str]]]:
    """(concrete path, documented query parameter names) of every `method` operation in the
    served OpenAPI document, path parameters filled with a placeholder."""
    schema = client.get("/v1/schema/openapi.json").json()
    found = []
    for template, item in schema["paths"].items():
        operation: dict[str, Any] | None = item.get(method)
        if operation is None:
            continue
        params = [*item.get("parameters", []), *operation.get("parameters", [])]
        query = [p["name"] for p in params if p["in"] == "query"]
        found.append((re.sub(r"\{[^}]+\}", "x1", template), query))
    return found


def test_every_get_route_refuses_an_unknown_parameter_naming_it(client: httpx.Client) -> None:
    routes = operations(client, "get")
    assert len(routes) > 25  # the walk really covers the API
    for path, _ in routes:
        response = client.get(path, params={UNKNOWN: "1"})
        body = assert_error(response, 422, "VALIDATION_ERROR", field=UNKNOWN)
        assert body["error"]["details"]["issue"].startswith("Unknown query parameter"), path


def test_every_documented_parameter_of_every_get_route_is_known(client: httpx.Client) -> None:
    checked = 0
    for path, names in operations(client, "get"):
        for name in names:
            response = client.get(path, params={name: "1"})
            checked += 1
            if response.status_code == 422:  # a bad value may be refused, but never as unknown
                issue = response.json()["error"]["details"]["issue"]
                assert not issue.startswith("Unknown query parameter"), (path, name)
    assert checked > 20


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/tasks?format=csv", "format"),
        ("/v1/monitoring/costs?period=7d&from=2024-01-01", "from"),
        ("/v1/monitoring/metrics?as_of=2024-01-01T00:00:00Z", "as_of"),
        ("/v1/escalations?from=2024-01-01", "from"),
        ("/metrics?format=json", "format"),
    ],
)
def test_the_issues_examples_are_refused(client: httpx.Client, path: str, name: str) -> None:
    assert_error(client.get(path), 422, "VALIDATION_ERROR", field=name)


def test_a_write_with_an_unknown_parameter_changes_nothing(client: httpx.Client) -> None:
    response = client.post("/v1/tasks?dry_run=true", json={"title": "Not created"})
    assert_error(response, 422, "VALIDATION_ERROR", field="dry_run")
    assert total_tasks(client) == 0


def test_known_parameters_still_work(client: httpx.Client) -> None:
    listed = client.get("/v1/tasks", params={"status": "pending,queued", "type": "review"})
    assert listed.status_code == 200, listed.text
    assert client.get("/v1/escalations", params={"from_date": "2024-01-01"}).status_code == 200
    assert client.get("/v1/monitoring/costs", params={"period": "7d"}).status_code == 200


def test_a_single_valued_parameter_given_twice_is_refused(client: httpx.Client) -> None:
    response = client.get("/v1/tasks?limit=1&limit=2")
    assert_error(response, 422, "VALIDATION_ERROR", field="limit", issue="Must be given once")


def test_anonymous_callers_of_protected_routes_get_401_first(anonymous: httpx.Client) -> None:
    response = anonymous.get("/v1/tasks", params={UNKNOWN: "1"})
    assert_error(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("path", ["/v1/health/live", "/v1/auth/oauth2/github"])
def test_public_routes_refuse_unknown_parameters_too(anonymous: httpx.Client, path: str) -> None:
    assert_error(anonymous.get(path, params={"next": "/"}), 422, "VALIDATION_ERROR", field="next")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/schema/openapi.json?v=2",
        "/v1/schema/swagger?deepLinking=true",
        "/v1/schema/oauth2-redirect.html?code=abc&state=xyz",
        "/v1/docs-assets/swagger-ui.css?v=5.0",
    ],
)
def test_docs_and_their_assets_take_what_their_clients_send(
    anonymous: httpx.Client, path: str
) -> None:
    assert anonymous.get(path).status_code == 200


def test_an_options_preflight_keeps_the_actual_requests_query(anonymous: httpx.Client) -> None:
    assert anonymous.options("/v1/tasks", params={UNKNOWN: "1"}).status_code == 204


def test_a_websocket_token_in_the_query_still_authenticates(
    base_url: str, client: httpx.Client
) -> None:
    key = client.headers["Authorization"].removeprefix("Bearer ")
    with open_socket(base_url, path=f"/v1/ws?token={key}") as socket:
        assert next_of(socket, "authenticated")["data"]["roles"] == ["admin"]
