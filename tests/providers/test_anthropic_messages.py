"""The Anthropic Messages adapter against a local server speaking /v1/messages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kyros.domain.model_catalog import Usage
from kyros.runner.providers import CompletionRequest, ProviderError, ProviderTimeout
from kyros.runner.providers.anthropic_messages import AnthropicMessages
from tests.providers.fake_anthropic_server import FakeAnthropicServer
from tests.providers.wire_server import Scripted

KEY = "sk-ant-test"
# input 30 fresh + 2000 read from cache + 100 written to cache; Kyros counts all 2130 as input.
EXPECTED = Usage(input_tokens=2130, output_tokens=57, cached_input_tokens=2000)


@pytest.fixture
def server() -> Iterator[FakeAnthropicServer]:
    with FakeAnthropicServer(api_key=KEY, text="The design splits reads from writes.") as fake:
        yield fake


def adapter(server: FakeAnthropicServer, **options: int) -> AnthropicMessages:
    return AnthropicMessages(
        base_url=server.url, api_key=KEY, model_id="claude-opus-4-1", **options
    )


def request(*, stream: bool = False, timeout: float = 10.0) -> CompletionRequest:
    return CompletionRequest(
        system="You are the architect.",
        prompt="Design the thing.",
        model="claude-4.1-opus",
        max_tokens=4000,
        temperature=0.5,
        stream=stream,
        timeout=timeout,
    )


def test_a_whole_message_captures_text_and_usage_with_cache_reads_and_writes(server):
    completion = adapter(server).complete(request())

    assert completion.text == "The design splits reads from writes."
    assert completion.usage == EXPECTED
    assert completion.model == "claude-opus-4-1"
    assert (completion.provider, completion.simulated) == ("anthropic", False)


def test_the_request_carries_the_key_version_system_prompt_and_wire_model(server):
    adapter(server).complete(request())

    sent = server.requests[0]
    assert KEY in (sent.headers.get("x-api-key"), sent.headers.get("authorization", "")[7:])
    assert sent.headers["anthropic-version"]
    assert sent.body["model"] == "claude-opus-4-1"
    assert sent.body["system"] == "You are the architect."
    assert sent.body["messages"] == [{"role": "user", "content": "Design the thing."}]
    assert (sent.body["max_tokens"], sent.body["temperature"]) == (4000, 0.5)


def test_a_streamed_message_keeps_the_start_usage_and_takes_the_final_output_count(server):
    completion = adapter(server).complete(request(stream=True))

    assert server.requests[0].body["stream"] is True
    assert completion.text == "The design splits reads from writes."
    assert completion.usage == EXPECTED


@pytest.mark.parametrize("stream", [False, True])
def test_a_429_is_retried_after_the_wait_that_retry_after_asks_for(server, stream):
    server.script.append(Scripted(status=429, headers={"retry-after": "1"}))

    completion = adapter(server).complete(request(stream=stream))

    first, second = server.requests
    assert 0.95 <= second.at - first.at < 3.0  # the SDK's own first backoff is at most 0.5 s
    assert completion.usage == EXPECTED


@pytest.mark.parametrize("status", [500, 529])
def test_server_errors_and_overload_are_retried(server, status):
    server.script.append(Scripted(status=status))

    completion = adapter(server).complete(request())

    assert len(server.requests) == 2
    assert completion.usage == EXPECTED


def test_a_rate_limit_that_outlasts_the_retries_is_a_retryable_error(server):
    server.script.extend([Scripted(status=429, headers={"retry-after": "0"})] * 3)

    with pytest.raises(ProviderError, match="HTTP 429 for model claude-opus-4-1") as raised:
        adapter(server, max_retries=2).complete(request())

    assert raised.value.retryable is True
    assert len(server.requests) == 3


def test_a_bad_key_is_reported_without_the_key(server):
    bad = AnthropicMessages(base_url=server.url, api_key="sk-ant-wrong-secret", max_retries=0)

    with pytest.raises(ProviderError, match="HTTP 401") as raised:
        bad.complete(request())

    assert "sk-ant-wrong-secret" not in str(raised.value)
    assert "sk-ant-wrong-secret" not in repr(bad)


@pytest.mark.parametrize("stream", [False, True])
def test_a_provider_slower_than_the_timeout_raises_a_clear_timeout(server, stream):
    server.script.extend([Scripted(delay=2.0)] * 2)

    with pytest.raises(ProviderTimeout) as raised:
        adapter(server, max_retries=1).complete(request(stream=stream, timeout=0.3))

    assert str(raised.value) == (
        "anthropic did not answer for model claude-opus-4-1 within 0.3s (2 attempts)"
    )
    assert len(server.requests) == 2
