"""Role to permission mapping."""

from __future__ import annotations

import pytest

from kyros.domain.permissions import ROLE_PERMISSIONS, Permission, Role, permissions_for


def test_every_role_grants_at_least_one_permission() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert all(ROLE_PERMISSIONS[role] for role in Role)


def test_the_spec_example_permissions_exist_by_name() -> None:
    assert {"create_task", "review_code"} <= {p.value for p in Permission}


def test_a_viewer_can_read_but_not_create_tasks() -> None:
    granted = permissions_for(["viewer"])
    assert "read_tasks" in granted
    assert "create_task" not in granted


def test_a_developer_cannot_approve_escalations_but_an_approver_can() -> None:
    assert "approve_escalation" not in permissions_for(["developer"])
    assert "approve_escalation" in permissions_for(["approver"])


def test_only_auditors_and_admins_can_read_the_audit_log() -> None:
    readers = {role for role in Role if "read_audit" in permissions_for([role])}
    assert readers == {Role.AUDITOR, Role.ADMIN}


def test_only_agents_can_claim_and_report_work() -> None:
    for role in Role:
        expected = role is Role.AGENT
        assert ("claim_work" in permissions_for([role])) is expected
        assert ("report_work" in permissions_for([role])) is expected


def test_an_admin_holds_every_permission_except_the_agent_work_verbs() -> None:
    missing = set(Permission) - permissions_for(["admin"])
    assert missing == {Permission.CLAIM_WORK, Permission.REPORT_WORK}


def test_several_roles_grant_the_union_of_their_permissions() -> None:
    combined = permissions_for(["developer", "auditor"])
    assert combined == permissions_for(["developer"]) | permissions_for(["auditor"])
    assert {"create_task", "read_audit"} <= combined


def test_an_unknown_role_grants_nothing() -> None:
    assert permissions_for(["superuser"]) == frozenset()
    assert permissions_for(["viewer", "superuser"]) == permissions_for(["viewer"])


def test_a_single_role_string_is_refused_rather_than_read_letter_by_letter() -> None:
    with pytest.raises(TypeError):
        permissions_for("admin")
