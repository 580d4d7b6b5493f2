"""Retries against real faults: a lost answer, a refusal, a rate limit."""

from __future__ import annotations

import pytest
from kyros_client import Kyros, RetryPolicy, errors

from tests.builders.commands import Credential
from tests.faults.proxy import closed_port
from tests.sdk.doubles import RefusingOnce


def test_a_create_whose_answer_was_lost_to_a_503_is_retried_and_creates_one_task(
    base_url: str, admin: Credential, sdk: Kyros
) -> None:
    lossy = RefusingOnce(base_url, "POST", "/v1/tasks", 503, forward_first=True)
    with lossy as proxy, Kyros(proxy.url, api_key=admin.key) as client:
        task = client.tasks.create(title="exactly once")
    posts = [seen for seen in proxy.seen if seen[0] == "POST"]
    assert len(posts) == 2 and posts[0][2] and posts[0][2] == posts[1][2]  # one key, reused
    titles = [t.title for t in sdk.tasks.list(limit=100).tasks]
    assert titles.count("exactly once") == 1 and sdk.tasks.get(task.id).title == "exactly once"


def test_a_rate_limited_read_is_retried_after_the_servers_retry_after(
    base_url: str, admin: Credential
) -> None:
    limiting = RefusingOnce(base_url, "GET", "/v1/tasks", 429, forward_first=False)
    with limiting as proxy, Kyros(proxy.url, api_key=admin.key) as client:
        assert client.tasks.list().pagination.total == 0
    assert [seen[0] for seen in proxy.seen] == ["GET", "GET"]


def test_retries_stop_at_the_policy_and_raise_the_servers_error(
    base_url: str, admin: Credential
) -> None:
    refusing = RefusingOnce(base_url, "GET", "/v1/tasks", 503, forward_first=False)
    once = RetryPolicy(max_retries=0)
    with (
        refusing as proxy,
        Kyros(proxy.url, api_key=admin.key, retry=once) as client,
        pytest.raises(errors.ServiceUnavailable) as refused,
    ):
        client.tasks.list()
    assert refused.value.status == 503 and refused.value.retry_after == 0


def test_an_unreachable_server_raises_connection_failed_after_retrying() -> None:
    policy = RetryPolicy(max_retries=2, initial_wait=0.01)
    client = Kyros(f"http://127.0.0.1:{closed_port()}", api_key="kyk_x", retry=policy)
    with client, pytest.raises(errors.ConnectionFailed):
        client.tasks.list()


def test_a_client_reads_its_own_write_through_its_consistency_token(sdk: Kyros) -> None:
    task = sdk.tasks.create(title="read me back")
    assert sdk.session.position > 0
    sdk.tasks.update(task.id, {"description": "changed"})
    assert sdk.tasks.list(limit=5).tasks[0].id == task.id
    assert sdk.tasks.get(task.id).description == "changed"
