"""Alerts over a real socket: a soft budget's threshold and overrun alerts, listed, filtered,
acknowledged and resolved."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.domain.alert import Alert
from tests.builders.http import agent_client, client_as, create_budget, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, submit
from tests.e2e.escalation_helpers import PLAIN, body
from tests.e2e.helpers import assert_error, get_task

UNKNOWN_ALERT = "alert_01ARZ3NDEKTSV4RRFFQ69G5FAV"


def _alerts(client: httpx.Client, **params: Any) -> Any:
    return body(client.get("/v1/monitoring/alerts", params=params))


def _raise(kyros: Kyros, severity: str = "warning", alert_type: str = "budget_threshold") -> None:
    """An alert straight through the domain, for the list's own behaviour."""
    alert = Alert(
        alert_id=ULID().to_uuid(),
        alert_type=alert_type,
        severity=severity,
        message=f"{severity} {alert_type}",
        details={},
        actor="system",
    )
    kyros.app.save_all(alert)
    kyros.engine.catch_up("alerts", 500)


def test_a_soft_budget_raises_threshold_and_overrun_alerts_that_operators_close(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    budget = create_budget(
        client, name="Shoestring", limit=0.01, enforcement="soft", alert_threshold=0.5
    )
    task = create_task(client, **PLAIN)
    estimate = Decimal(str(submit(client, task["id"])["estimated_cost"]))
    assert estimate >= Decimal("0.005")  # the reservation alone crosses half the limit

    (threshold,) = _alerts(client)["alerts"]
    assert (threshold["type"], threshold["severity"], threshold["status"]) == (
        "budget_threshold",
        "warning",
        "active",
    )
    assert "Shoestring" in threshold["message"]
    assert threshold["details"]["budget_id"] == budget["id"]
    assert threshold["details"]["committed"] == estimate
    assert threshold["details"]["threshold"] == Decimal("0.5")
    assert threshold["details"]["budget"] == Decimal("0.01")
    assert threshold["acknowledged_at"] is None and threshold["resolved_at"] is None

    with agent_client(kyros, base_url) as agent:
        claimed = claim(agent, register_agent(agent), wait=5)
        assert complete(agent, claimed["submission_id"]).status_code == 200
    cost = Decimal(str(get_task(client, task["id"])["metadata"]["cost"]))
    assert cost > Decimal("0.01")

    listed = _alerts(client)
    assert [a["type"] for a in listed["alerts"]] == ["cost_overrun", "budget_threshold"]
    assert listed["pagination"] == {"total": 2, "limit": 50, "offset": 0, "has_more": False}
    overrun = listed["alerts"][0]
    assert set(overrun) == {
        "id",
        "type",
        "severity",
        "status",
        "message",
        "details",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
        "acknowledgement_note",
        "resolved_at",
        "resolved_by",
        "resolution_note",
    }
    assert overrun["id"].startswith("alert_")
    assert (overrun["severity"], overrun["status"]) == ("warning", "active")  # soft: a warning
    assert overrun["details"]["budget"] == Decimal("0.01")
    assert overrun["details"]["actual"] == cost
    assert overrun["details"]["overrun"] == cost - Decimal("0.01")
    assert overrun["message"].startswith("Daily cost exceeded budget 'Shoestring' by ")
    assert overrun["created_at"] >= threshold["created_at"]
    assert [a["id"] for a in _alerts(client, type="cost_overrun")["alerts"]] == [overrun["id"]]

    with client_as(kyros, base_url, "approver") as (approver, key):
        path = f"/v1/monitoring/alerts/{overrun['id']}"
        acked = body(approver.post(f"{path}/acknowledge", json={"note": "Looking into it"}))
        assert (acked["status"], acked["acknowledged_by"]) == ("acknowledged", key.id)
        assert acked["acknowledgement_note"] == "Looking into it"
        assert acked["acknowledged_at"] >= overrun["created_at"]
        again = approver.post(f"{path}/acknowledge")
        assert_error(again, 409, "INVALID_STATE", "status")

        resolved = body(approver.post(f"{path}/resolve"))
        assert (resolved["status"], resolved["resolved_by"]) == ("resolved", key.id)
        assert resolved["acknowledged_by"] == key.id  # kept
        assert resolved["resolution_note"] is None
        assert_error(approver.post(f"{path}/resolve"), 409, "INVALID_STATE", "status")
        assert_error(approver.post(f"{path}/acknowledge"), 409, "INVALID_STATE", "status")

        # An active alert may be resolved without being acknowledged first.
        direct = body(
            approver.post(
                f"/v1/monitoring/alerts/{threshold['id']}/resolve", json={"note": "Raised it"}
            )
        )
        assert (direct["status"], direct["acknowledged_at"]) == ("resolved", None)
        assert direct["resolution_note"] == "Raised it"

    assert _alerts(client, status="active")["alerts"] == []
    assert [a["id"] for a in _alerts(client, status="resolved")["alerts"]] == [
        overrun["id"],
        threshold["id"],
    ]
    assert _alerts(client)["alerts"][0] == resolved


@pytest.mark.both_stores  # filters and paging are read-model SQL
def test_the_list_filters_by_status_severity_and_type_with_pagination(
    kyros: Kyros, client: httpx.Client
) -> None:
    for severity in ("info", "warning", "error", "critical"):
        _raise(kyros, severity)
    _raise(kyros, "critical", "cost_overrun")
    everything = _alerts(client)
    assert [a["severity"] for a in everything["alerts"]] == [
        "critical",
        "critical",
        "error",
        "warning",
        "info",
    ]
    assert len(_alerts(client, severity="critical")["alerts"]) == 2
    assert len(_alerts(client, severity="info,warning")["alerts"]) == 2
    assert len(_alerts(client, type="cost_overrun", severity="critical")["alerts"]) == 1
    assert len(_alerts(client, type="escalation_pending")["alerts"]) == 0
    assert len(_alerts(client, status="active,acknowledged")["alerts"]) == 5
    page = _alerts(client, limit=2, offset=2)
    assert [a["severity"] for a in page["alerts"]] == ["error", "warning"]
    assert page["pagination"] == {"total": 5, "limit": 2, "offset": 2, "has_more": True}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "open"}, "status"),
        ({"severity": "fatal"}, "severity"),
        ({"type": "meteor"}, "type"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_alert_filters_name_the_parameter(
    client: httpx.Client, params: dict[str, object], field: str
) -> None:
    response = client.get("/v1/monitoring/alerts", params=params)
    assert_error(response, 422, "VALIDATION_ERROR", field)


def test_unknown_alerts_bad_notes_and_callers_without_the_permission_are_refused(
    kyros: Kyros, base_url: str, client: httpx.Client
) -> None:
    for alert_id in (UNKNOWN_ALERT, "nope", "alert_%00"):
        for action in ("acknowledge", "resolve"):
            response = client.post(f"/v1/monitoring/alerts/{alert_id}/{action}")
            assert_error(response, 404, "NOT_FOUND", "alert_id")
    _raise(kyros)
    (alert,) = _alerts(client)["alerts"]
    path = f"/v1/monitoring/alerts/{alert['id']}/acknowledge"
    assert_error(client.post(path, json={"note": "x" * 2001}), 422, "VALIDATION_ERROR", "note")
    assert_error(client.post(path, json={"nope": 1}), 422, "VALIDATION_ERROR", "nope")
    with client_as(kyros, base_url, "developer") as (developer, _):
        assert body(developer.get("/v1/monitoring/alerts"))["alerts"][0]["id"] == alert["id"]
        assert_error(developer.post(path), 403, "FORBIDDEN")
    assert _alerts(client)["alerts"][0]["status"] == "active"
    assert body(client.post(path))["status"] == "acknowledged"  # admins may
