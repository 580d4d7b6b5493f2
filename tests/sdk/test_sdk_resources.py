"""Every family of the SDK's methods against a real server: typed answers, typed errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from kyros_client import Kyros, errors
from kyros_client._generated import models

from kyros.bootstrap import Kyros as Server
from tests.builders.commands import make_api_key


def test_a_task_is_created_read_updated_listed_and_cancelled_as_typed_models(sdk: Kyros) -> None:
    created = sdk.tasks.create(
        title="Implement user authentication", priority="high", tags=["security"]
    )
    assert isinstance(created, models.Task) and created.status == "pending"
    assert sdk.tasks.get(created.id).title == "Implement user authentication"
    updated = sdk.tasks.update(created.id, {"description": "JWT and OAuth2"})
    assert updated.description == "JWT and OAuth2"
    listed = sdk.tasks.list(tags="security", limit=10)
    assert [t.id for t in listed.tasks] == [created.id] and listed.pagination.total == 1
    assert sdk.tasks.cancel(created.id, reason="No longer needed").status == "cancelled"


def test_iterating_a_list_follows_every_page(sdk: Kyros) -> None:
    made = {sdk.tasks.create(title=f"task {n}").id for n in range(7)}
    seen = [t.id for t in sdk.tasks.iter(limit=3)]
    assert len(seen) == 7 and set(seen) == made


def test_each_error_code_raises_its_own_class_with_the_envelope(sdk: Kyros) -> None:
    with pytest.raises(errors.TaskNotFound) as missing:
        sdk.tasks.get("task_01J0000000000000000000000")
    assert missing.value.status == 404 and missing.value.request_id.startswith("req_")
    assert isinstance(missing.value, errors.NotFound)
    with pytest.raises(errors.ValidationError) as invalid:
        sdk.tasks.create(title="")
    assert invalid.value.field == "title" and invalid.value.code == "VALIDATION_ERROR"


def test_a_role_without_the_permission_gets_forbidden(base_url: str, kyros: Server) -> None:
    viewer = make_api_key(kyros, "viewer", name="sdk-viewer")
    with Kyros(base_url, api_key=viewer.key) as client, pytest.raises(errors.Forbidden):
        client.tasks.create(title="not allowed")


def test_a_user_signs_in_with_a_password_and_the_client_refreshes_its_token(
    sdk: Kyros, base_url: str
) -> None:
    user = sdk.users.create(username="dana", password="correct horse battery", roles=["developer"])
    with Kyros(base_url, username="dana", password="correct horse battery") as dana:
        assert dana.auth.me().id == user.id
        first = dana.session.access_token
        dana.session.expires_at = 0  # as if the access token had expired
        assert dana.tasks.create(title="after a refresh").created_by == user.id
        assert dana.session.access_token != first
        dana.session.access_token = "not-a-token"  # revoked or garbled: signs in again
        dana.session.expires_at = float("inf")
        assert dana.auth.me().id == user.id


def test_budgets_monitoring_configuration_and_models_answer_exact_decimals(sdk: Kyros) -> None:
    budget = sdk.budgets.create(name="team", period="monthly", limit=Decimal("12.34"))
    assert budget.limit == Decimal("12.34") and isinstance(budget.limit, Decimal)
    assert [b.id for b in sdk.budgets.list().budgets] == [budget.id]
    assert sdk.budgets.update(budget.id, {"limit": Decimal("20")}).limit == Decimal("20")
    assert isinstance(sdk.monitoring.get_cost_analysis(period="7d").total_cost, Decimal)
    assert sdk.monitoring.get_system_health().overall_status in ("healthy", "degraded", "unhealthy")
    assert sdk.monitoring.get_performance_metrics(period="24h") is not None
    assert sdk.monitoring.get_alerts().alerts == []
    assert b"kyros" in sdk.monitoring.get_prometheus_metrics()
    assert sdk.configuration.get().models.default_model == "glm-4.5"
    assert sdk.configuration.get_agent_role("implementer").role == "implementer"
    assert {m.name for m in sdk.models.list().models} >= {"glm-4.5", "claude-4.1-opus"}
    assert sdk.models.get("glm-4.5").name == "glm-4.5"
    assert sdk.agents.get_status("implementer").role == "implementer"
    assert sdk.agents.get_configuration("critic").role == "critic"


def test_api_keys_and_webhooks_are_managed_and_secrets_shown_once(sdk: Kyros) -> None:
    key = sdk.api_keys.create(name="ci", role="developer")
    assert key.key.startswith("kyk_")
    assert key.id in {k.id for k in sdk.api_keys.list().api_keys}
    assert sdk.api_keys.revoke(key.id).id == key.id
    hook = sdk.webhooks.create(url="https://hooks.example.com/kyros", events=["task.created"])
    assert hook.secret.startswith("whsec_")
    assert not hasattr(sdk.webhooks.get(hook.id), "secret")
    assert sdk.webhooks.update(hook.id, status="paused").status == "paused"
    assert [w.id for w in sdk.webhooks.list().webhooks] == [hook.id]
    assert sdk.webhooks.delete(hook.id).id == hook.id


def test_an_escalation_is_requested_listed_decided_and_read(
    sdk: Kyros, base_url: str, kyros: Server
) -> None:
    developer = Kyros(base_url, api_key=make_api_key(kyros, "developer", name="requester").key)
    with developer:
        task = developer.tasks.create(title="Rotate the signing keys")
        opened = developer.escalations.submit(task_id=task.id, reason="Touches authentication")
    assert [e.escalation_id for e in sdk.escalations.iter(status="pending")] == [
        opened.escalation_id
    ]
    decided = sdk.escalations.decide(opened.escalation_id, decision="rejected", reason="Not now")
    assert decided.status == "rejected"
    assert sdk.escalations.get_status(opened.escalation_id).status == "rejected"
    with pytest.raises(errors.Conflict):
        sdk.escalations.decide(opened.escalation_id, decision="approved")


def test_the_configuration_is_updated_and_a_bad_value_names_its_field(sdk: Kyros) -> None:
    updated = sdk.configuration.update({"escalation": {"auto_approve_threshold": Decimal("0.25")}})
    assert updated.escalation.auto_approve_threshold == Decimal("0.25")
    with pytest.raises(errors.ValidationError) as refused:
        sdk.configuration.update({"escalation": {"auto_approve_threshold": 7}})
    assert refused.value.field == "escalation.auto_approve_threshold"
