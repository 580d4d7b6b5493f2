"""The Configuration API over a real socket: the spec's defaults and validated partial updates."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import assert_error

# Verbatim from the spec's "Get System Configuration" response.
SPEC_DEFAULTS_JSON = """
{
  "system": {
    "version": "1.0.0",
    "environment": "production",
    "timezone": "UTC",
    "maintenance_mode": false
  },
  "models": {
    "default_model": "glm-4.5",
    "escalation_model": "claude-4.1-opus",
    "fallback_model": "glm-4.5",
    "timeout": 300
  },
  "escalation": {
    "auto_approve_threshold": 0.8,
    "max_daily_escalations": 10,
    "cost_threshold": 20.00,
    "approval_required": true
  },
  "monitoring": {
    "metrics_retention_days": 90,
    "alert_enabled": true,
    "performance_tracking": true
  },
  "security": {
    "jwt_expiration_hours": 24,
    "max_login_attempts": 5,
    "session_timeout_minutes": 30
  }
}
"""

# Verbatim from the spec's "Update Configuration" request.
SPEC_UPDATE_JSON = """
{
  "models": {
    "timeout": 600
  },
  "escalation": {
    "auto_approve_threshold": 0.9,
    "cost_threshold": 25.00
  },
  "monitoring": {
    "alert_enabled": true,
    "performance_tracking": true
  }
}
"""

JSON = {"content-type": "application/json"}


def _exact(text: str | bytes) -> Any:
    """Parses JSON keeping every decimal digit (20.00 stays distinct from 20.0 as text)."""
    return json.loads(text, parse_float=Decimal)


# Settings Kyros adds to the spec's: how long an escalation may wait, and when it is flagged.
KYROS_ADDITIONS = {"escalation": {"expire_after_minutes": 1440, "pending_alert_minutes": 60}}


def _with_additions(settings: dict[str, Any]) -> dict[str, Any]:
    for section, values in KYROS_ADDITIONS.items():
        settings[section].update(values)
    return settings


def _defaults() -> dict[str, Any]:
    return _with_additions(_exact(SPEC_DEFAULTS_JSON))


def _get(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/v1/configuration")
    assert response.status_code == 200, response.text
    return _exact(response.content)["data"]  # type: ignore[no-any-return]


def _put(client: httpx.Client, body: str | bytes) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return client.put("/v1/configuration", content=content, headers=JSON)


def test_get_returns_exactly_the_spec_defaults(client: httpx.Client) -> None:
    response = client.get("/v1/configuration")

    assert response.status_code == 200
    body = _exact(response.content)
    assert body["success"] is True
    assert body["timestamp"].endswith("Z")
    assert response.headers["x-request-id"] == body["request_id"]
    assert body["data"] == _defaults()
    assert body["data"]["escalation"]["cost_threshold"] == Decimal("20.0")
    assert body["data"]["escalation"]["auto_approve_threshold"] == Decimal("0.8")
    assert body["data"]["models"]["timeout"] == 300
    assert body["data"]["system"]["maintenance_mode"] is False


def test_the_defaults_compare_equal_as_plain_json_too(client: httpx.Client) -> None:
    expected = _with_additions(json.loads(SPEC_DEFAULTS_JSON))
    assert client.get("/v1/configuration").json()["data"] == expected


def test_the_spec_partial_update_changes_only_the_given_settings(client: httpx.Client) -> None:
    expected = _defaults()
    expected["models"]["timeout"] = 600
    expected["escalation"]["auto_approve_threshold"] = Decimal("0.9")
    expected["escalation"]["cost_threshold"] = Decimal("25.00")

    response = _put(client, SPEC_UPDATE_JSON)

    assert response.status_code == 200, response.text
    body = _exact(response.content)
    assert body["success"] is True
    assert response.headers["x-request-id"] == body["request_id"]
    assert body["data"] == expected
    assert _get(client) == expected


def test_successive_partial_updates_accumulate(client: httpx.Client) -> None:
    assert _put(client, '{"models": {"timeout": 600}}').status_code == 200
    assert _put(client, '{"security": {"max_login_attempts": 3}}').status_code == 200
    assert _put(client, '{"system": {"environment": "staging"}}').status_code == 200

    expected = _defaults()
    expected["models"]["timeout"] = 600
    expected["security"]["max_login_attempts"] = 3
    expected["system"]["environment"] = "staging"
    assert _get(client) == expected


@pytest.mark.both_stores  # decimals round-trip through each store
@pytest.mark.parametrize(
    ("key", "sent", "shown"),
    [
        ("cost_threshold", "25.55", "25.55"),
        ("cost_threshold", "0.10", "0.10"),
        ("cost_threshold", "999999.99", "999999.99"),
        ("auto_approve_threshold", "0.333333333333333333", "0.333333333333333333"),
        ("auto_approve_threshold", "0.75", "0.75"),
    ],
)
def test_the_exact_decimal_digits_survive_the_round_trip(
    client: httpx.Client, key: str, sent: str, shown: str
) -> None:
    response = _put(client, f'{{"escalation": {{"{key}": {sent}}}}}')

    assert response.status_code == 200, response.text
    assert f'"{key}":{shown}' in response.text
    assert _exact(response.content)["data"]["escalation"][key] == Decimal(shown)
    again = client.get("/v1/configuration")
    assert f'"{key}":{shown}' in again.text
    assert _get(client)["escalation"][key] == Decimal(shown)


def test_an_update_that_changes_nothing_is_accepted(client: httpx.Client) -> None:
    response = _put(client, '{"monitoring": {"alert_enabled": true}}')
    assert response.status_code == 200, response.text
    assert _get(client) == _defaults()


# (name, body, field, issue or None)
INVALID_UPDATES: list[tuple[str, str, str, str | None]] = [
    ("unknown-section", '{"billing": {"currency": "EUR"}}', "billing", None),
    ("unknown-key", '{"models": {"temperature": 0.5}}', "models.temperature", None),
    ("section-not-object", '{"models": 5}', "models", None),
    ("section-empty", '{"models": {}}', "models", None),
    ("int-as-string", '{"models": {"timeout": "x"}}', "models.timeout", None),
    ("int-as-numeric-string", '{"models": {"timeout": "600"}}', "models.timeout", None),
    ("bool-for-int", '{"models": {"timeout": true}}', "models.timeout", None),
    ("fraction-for-int", '{"models": {"timeout": 300.5}}', "models.timeout", None),
    ("int-out-of-range", '{"models": {"timeout": 0}}', "models.timeout", None),
    ("null-for-int", '{"models": {"timeout": null}}', "models.timeout", None),
    (
        "threshold-1.5",
        '{"escalation": {"auto_approve_threshold": 1.5}}',
        "escalation.auto_approve_threshold",
        "Must be between 0 and 1",
    ),
    (
        "threshold-negative",
        '{"escalation": {"auto_approve_threshold": -0.1}}',
        "escalation.auto_approve_threshold",
        None,
    ),
    ("cost-negative", '{"escalation": {"cost_threshold": -1}}', "escalation.cost_threshold", None),
    (
        "bool-for-decimal",
        '{"escalation": {"cost_threshold": true}}',
        "escalation.cost_threshold",
        None,
    ),
    ("string-for-bool", '{"system": {"maintenance_mode": "yes"}}', "system.maintenance_mode", None),
    ("int-for-bool", '{"monitoring": {"alert_enabled": 1}}', "monitoring.alert_enabled", None),
    ("version-read-only", '{"system": {"version": "2.0.0"}}', "system.version", None),
    ("version-read-only-same", '{"system": {"version": "1.0.0"}}', "system.version", None),
    (
        "environment-choice",
        '{"system": {"environment": "prod"}}',
        "system.environment",
        "Must be one of: production, staging, development",
    ),
    ("empty-string", '{"models": {"default_model": ""}}', "models.default_model", None),
    ("number-for-string", '{"models": {"default_model": 4}}', "models.default_model", None),
    ("empty-body-object", "{}", "body", None),
    ("json-array", '[{"models": {"timeout": 600}}]', "body", None),
    ("json-string", '"models"', "body", None),
    ("malformed", '{"models": {"timeout": 600}', "body", None),
    ("no-body", "", "body", None),
    (
        "one-bad-among-good",
        '{"models": {"timeout": 600}, "escalation": {"cost_threshold": 25.55, "nope": 1}}',
        "escalation.nope",
        None,
    ),
]


@pytest.mark.parametrize(
    ("body", "field", "issue"),
    [case[1:] for case in INVALID_UPDATES],
    ids=[case[0] for case in INVALID_UPDATES],
)
def test_an_invalid_update_is_a_422_naming_the_field_and_changes_nothing(
    client: httpx.Client, body: str, field: str, issue: str | None
) -> None:
    # Move off the defaults first, so "nothing changes" is checked against stored state too.
    assert _put(client, '{"security": {"max_login_attempts": 7}}').status_code == 200
    before = _get(client)

    response = _put(client, body)

    assert_error(response, 422, "VALIDATION_ERROR", field=field, issue=issue)
    assert _get(client) == before


def test_an_invalid_first_update_leaves_the_defaults(client: httpx.Client) -> None:
    response = _put(client, '{"models": {"timeout": 600}, "system": {"version": "9"}}')
    assert_error(response, 422, "VALIDATION_ERROR", field="system.version")
    assert _get(client) == _defaults()


def test_a_configuration_body_over_one_mebibyte_is_413(client: httpx.Client) -> None:
    body = '{"models": {"default_model": "' + "x" * (1024 * 1024) + '"}}'
    assert_error(_put(client, body), 413, "PAYLOAD_TOO_LARGE")
    assert _get(client) == _defaults()


def test_the_update_response_reflects_later_reads(client: httpx.Client) -> None:
    patch = {"escalation": {"max_daily_escalations": 25, "approval_required": False}}
    response = client.put("/v1/configuration", json=patch)
    assert response.status_code == 200, response.text
    expected = copy.deepcopy(_defaults())
    expected["escalation"].update(patch["escalation"])
    assert _exact(response.content)["data"] == expected == _get(client)
