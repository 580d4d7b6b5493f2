"""GET /v1/tasks names each task's model (none before submission, the routed model while it
waits or runs, the model the completion reported once done) and its progress."""

from __future__ import annotations

from kyros.bootstrap import Kyros
from tests.builders.http import agent_client, create_task, register_agent
from tests.e2e.agent_helpers import claim, complete, data, submit


def _listed(client, task_id: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    tasks = data(client.get("/v1/tasks", params={"limit": 200}))["tasks"]
    return next(task for task in tasks if task["id"] == task_id)  # type: ignore[no-any-return]


def _model(client, task_id: str) -> object:  # type: ignore[no-untyped-def]
    return _listed(client, task_id)["model"]


def test_the_task_list_shows_no_model_then_the_routed_one_then_the_one_the_work_ran_on(
    kyros: Kyros,
    base_url: str,
    client,  # type: ignore[no-untyped-def]
) -> None:
    task_id = create_task(client, title="Rename a variable")["id"]
    assert _model(client, task_id) is None
    routed = submit(client, task_id)["model_assigned"]
    assert isinstance(routed, str) and _model(client, task_id) == routed
    with agent_client(kyros, base_url) as agent:
        held = claim(agent, register_agent(agent))
        assert held is not None and held["task_id"] == task_id
        assert _listed(client, task_id)["progress"] is None
        path = f"/v1/submissions/{held['submission_id']}/progress"
        step = {"completed_steps": 1, "total_steps": 4, "current_step": "Tests"}
        data(agent.post(path, json=step))
        assert _listed(client, task_id)["progress"]["percentage"] == 25  # type: ignore[index]
        reported = "claude-4.1-opus" if routed != "claude-4.1-opus" else "glm-4.5"
        assert complete(agent, held["submission_id"], model=reported).status_code == 200
    assert _model(client, task_id) == reported
