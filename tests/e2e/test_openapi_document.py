"""The served OpenAPI document describes the envelope, every error status and every body."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest

from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.conftest import LiveServer
from tests.http_client import http_client

METHODS = ("get", "put", "post", "delete", "patch")
ERROR_REF = "#/components/schemas/ErrorEnvelope"
FORM = "application/x-www-form-urlencoded"
CALLBACK = "/v1/auth/oauth2/{provider}/callback"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Served once for the module: the document depends on the code alone, not on the store."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("openapi"))
    with (
        Kyros(settings) as kyros,
        LiveServer(kyros, run_workers=False) as url,
        http_client(base_url=url) as anonymous,
    ):
        answer = anonymous.get("/v1/schema/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_json_success_is_the_envelope_around_described_data(document: dict[str, Any]):
    checked = 0
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            content = response.get("content", {})
            if not status.startswith("2") or "application/json" not in content:
                continue
            schema = resolve(document, content["application/json"]["schema"])
            assert schema.get("type") == "object", (method, path, schema)
            props = schema["properties"]
            assert props["success"] == {"const": True}, (method, path)
            assert {"data", "message", "timestamp", "request_id"} <= set(schema["required"])
            checked += 1
    assert checked >= 60


def test_no_json_operation_documents_its_answer_as_a_bare_string(document: dict[str, Any]):
    for method, path, operation in operations(document):
        if path == "/metrics":  # Prometheus text exposition, not JSON
            continue
        for status, response in operation["responses"].items():
            for media, body in response.get("content", {}).items():
                assert body["schema"] != {"type": "string"}, (method, path, status, media)


def test_every_protected_operation_documents_401_and_403_with_the_error_envelope(
    document: dict[str, Any],
):
    protected = 0
    for method, path, operation in operations(document):
        if operation.get("security") == [{}]:
            continue
        protected += 1
        for status in ("401", "403", "422", "503"):
            response = operation["responses"].get(status)
            assert response is not None, (method, path, status)
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (method, path, status)
    assert protected >= 55


def test_statuses_follow_paths_bodies_and_logins(document: dict[str, Any]):
    for method, path, operation in operations(document):
        statuses = operation["responses"]
        if "400" in statuses:  # only the error envelope (policy refusals), never Litestar's
            schema = statuses["400"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        if "requestBody" in operation:
            assert {"413", "415", "422"} <= set(statuses), (method, path)
        if not path.startswith("/v1/health"):
            assert "Retry-After" in statuses["429"]["headers"], (method, path)
    login = document["paths"]["/v1/auth/login"]["post"]["responses"]
    assert "423" in login and "401" in login


def test_error_envelope_names_the_code_and_details(document: dict[str, Any]):
    envelope = document["components"]["schemas"]["ErrorEnvelope"]
    error = envelope["properties"]["error"]
    assert envelope["properties"]["success"] == {"const": False}
    assert "VALIDATION_ERROR" in error["properties"]["code"]["enum"]
    assert set(error["required"]) == {"code", "message", "details"}


@pytest.mark.parametrize(
    ("path", "method", "media_type", "field"),
    [
        ("/v1/configuration", "put", "application/json", "security"),
        ("/v1/agents/{role}/configuration", "put", "application/json", "preferences"),
        ("/v1/auth/login", "post", FORM, "password"),
        ("/v1/auth/token", "post", FORM, "grant_type"),
        (CALLBACK, "post", "application/json", "code"),
        (CALLBACK, "post", FORM, "state"),
    ],
)
def test_bodies_read_by_hand_are_documented(
    document: dict[str, Any], path: str, method: str, media_type: str, field: str
):
    body = document["paths"][path][method]["requestBody"]
    schema = resolve(document, body["content"][media_type]["schema"])
    assert field in schema["properties"]


def test_configuration_patch_carries_the_aggregates_bounds(document: dict[str, Any]):
    body = document["paths"]["/v1/configuration"]["put"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    attempts = schema["properties"]["security"]["properties"]["max_login_attempts"]
    assert (attempts["type"], attempts["minimum"], attempts["maximum"]) == ("integer", 1, 100)
    assert schema["additionalProperties"] is False
    assert "version" not in schema["properties"]["system"]["properties"]  # read-only


def test_query_enums_appear(document: dict[str, Any]):
    params = {p["name"]: p for p in document["paths"]["/v1/tasks"]["get"]["parameters"]}
    assert params["sort_order"]["schema"]["enum"] == ["asc", "desc"]
    assert "pattern" in params["status"]["schema"]  # comma-separated task statuses
    assert "pending" in params["status"]["schema"]["pattern"]


def test_request_structs_refuse_unknown_fields_in_the_document(document: dict[str, Any]):
    body = document["paths"]["/v1/tasks"]["post"]["requestBody"]
    schema = resolve(document, body["content"]["application/json"]["schema"])
    assert schema.get("additionalProperties") is False
    password = resolve(
        document,
        document["paths"]["/v1/users"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ],
    )["properties"]["password"]
    assert password.get("minLength", 0) >= 8


def test_the_idempotency_key_is_documented_exactly_where_the_server_honours_it(
    document: dict[str, Any],
) -> None:
    documented = {
        operation["operationId"]
        for _, _, operation in operations(document)
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert {"CreateTask", "SubmitTaskToAgent", "DecideEscalation", "CreateWebhook"} <= documented
    assert not documented & {"Login", "RegisterAgent", "ClaimWork", "Logout", "SelectModel"}


# Success `data` that is free-form by design: the client's or the agent's own JSON, kept as
# given. Each entry is "<component>.<property>"; anything else untyped is a gap in the document.
FREE_FORM = {
    "Task.metadata",  # the client's keys (plus derived model_used, cost, actual_hours)
    "Task.results",  # what the agent reported on completion
    "Task.estimated_hours",  # a copy of metadata.estimated_hours, whatever the client put there
    "TaskSubmission.context",  # the submitter's context for the agent
    "ClaimedSubmission.context",  # the same context, handed to the claiming agent
    "Escalation.context",  # the requester's context for the approver
    "Alert.details",  # the figures behind an alert; keys depend on its type
    "PublicEvent.data",  # one event's data: its shape is its type's schema in the catalogue
    "EventTypeInfo.schema",  # a JSON Schema
}


def untyped_places(document: dict[str, Any], schema: dict[str, Any], where: str) -> set[str]:
    """Every place under `schema` that is a bare object or says nothing of its value, named
    `<component>.<property>` (following `$ref`s, each component once)."""
    found: set[str] = set()
    seen: set[str] = set()

    def walk(node: dict[str, Any], place: str) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(document["components"]["schemas"][name], name)
            return
        variants = [*node.get("anyOf", []), *node.get("oneOf", []), *node.get("allOf", [])]
        for variant in variants:
            walk(variant, place)
        typed = {"type", "const", "enum", "anyOf", "oneOf", "allOf"} & set(node)
        if not typed or (node.get("type") == "object" and not _described(node)):
            found.add(place)
        for name, child in node.get("properties", {}).items():
            walk(child, f"{place.split('.')[0]}.{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(node[key], place)

    walk(schema, where)
    return found


def _described(node: dict[str, Any]) -> bool:
    """An object whose keys or values the schema states."""
    extra = node.get("additionalProperties")
    return bool(node.get("properties")) or (isinstance(extra, dict) and bool(extra))


def test_every_success_data_is_a_real_schema_but_the_free_form_fields(
    document: dict[str, Any],
) -> None:
    untyped: dict[str, set[str]] = {}
    for _, _, operation in operations(document):
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json")
            if not status.startswith("2") or content is None:
                continue
            data = resolve(document, content["schema"])["properties"]["data"]
            where = f"{operation['operationId']}.data"
            places = untyped_places(document, data, where) - FREE_FORM
            if places:
                untyped[operation["operationId"]] = places
    assert untyped == {}


def test_free_form_fields_say_so(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for place in FREE_FORM:
        component, field = place.split(".")
        schema = schemas[component]["properties"][field]
        described = [schema, *schema.get("anyOf", [])]
        assert any(
            "Free-form" in s.get("description", "")
            or "as the client gave it" in s.get("description", "")
            for s in described
        ), place


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("BudgetCreate", "limit"),
        ("BudgetUpdate", "alert_threshold"),
        ("EscalationSubmit", "estimated_cost"),
        ("SelectContext", "budget_remaining"),
    ],
)
def test_decimal_inputs_are_documented_as_the_numbers_clients_send(
    document: dict[str, Any], component: str, field: str
) -> None:
    schema = document["components"]["schemas"][component]["properties"][field]
    validator = jsonschema_rs.Draft202012Validator(schema)
    assert validator.is_valid(100) and validator.is_valid(0.01)
    assert validator.is_valid("12.50")  # msgspec decodes a decimal string too
    assert not validator.is_valid(True) and not validator.is_valid([1])
