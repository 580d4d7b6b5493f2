"""Role prompts built from task views: pure functions, no I/O."""

from __future__ import annotations

import pytest

from kyros.domain.vocabulary import ROLES
from kyros.runner.prompts import FIELD_LIMIT, SYSTEM_PROMPTS, build_prompt
from tests.e2e.helpers import SPEC_TASK


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_its_own_system_prompt_and_deliverable(role):
    prompt = build_prompt(role, SPEC_TASK)

    assert prompt.system == SYSTEM_PROMPTS[role]
    assert f"You are the {role} agent." in prompt.system
    assert prompt.user.endswith(build_prompt(role, {}).user.rsplit("\n\n", 1)[1])


def test_the_user_prompt_lays_out_the_task_in_sections():
    user = build_prompt("implementer", SPEC_TASK).user

    assert user.startswith("# Task: Implement user authentication\n\nType: implementation\n")
    assert "## Description\nAdd JWT-based authentication system with OAuth2 integration" in user
    assert "## Files to modify\n- services/orchestrator/auth.py\n" in user
    assert "## Acceptance criteria\n1. Users can register with email/password\n" in user
    assert "## Tags\n- authentication\n- security\n- backend" in user


def test_a_sparse_task_leaves_out_what_it_lacks():
    user = build_prompt("critic", {"title": "Review PR 12"}).user

    assert (
        user == "# Task: Review PR 12\n\n## Your deliverable\nWrite the verdict and the findings."
    )


def test_an_unknown_role_gets_the_implementer_template():
    assert build_prompt("gardener", SPEC_TASK) == build_prompt("implementer", SPEC_TASK)


def test_a_huge_field_is_truncated():
    user = build_prompt("architect", {"title": "t", "description": "d" * (FIELD_LIMIT + 50)}).user

    assert "d" * FIELD_LIMIT + " […truncated]" in user
    assert "d" * (FIELD_LIMIT + 1) not in user
