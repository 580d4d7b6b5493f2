"""The OpenAI-compatible adapter against a local server speaking /v1/chat/completions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kyros.domain.model_catalog import Usage
from kyros.runner.providers import CompletionRequest, ProviderError, ProviderTimeout
from kyros.runner.providers.openai_compatible import OpenAICompatible
from tests.providers.fake_openai_server import FakeOpenAIServer
from tests.providers.wire_server import Scripted

KEY = "sk-test-openai"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY, text="Plan: add the handler, then tests.") as fake:
        yield fake


def adapter(server: FakeOpenAIServer, **options: int) -> OpenAICompatible:
    return OpenAICompatible(base_url=f"{server.url}/v1", api_key=KEY, **options)


def request(*, stream: bool = False, timeout: float = 10.0) -> CompletionRequest:
    return CompletionRequest(
        system="You are the implementer.",
        prompt="Implement the thing.",
        model="glm-4.5",
        max_tokens=256,
        temperature=0.3,
        stream=stream,
        timeout=timeout,
    )


def test_a_whole_completion_captures_text_and_exact_usage_with_cached_tokens(server):
    completion = adapter(server).complete(request())

    assert completion.text == "Plan: add the handler, then tests."
    assert completion.usage == Usage(input_tokens=1200, output_tokens=42, cached_input_tokens=1024)
    assert completion.model == "glm-4.5"
    assert completion.provider == "openai-compatible"
    assert completion.simulated is False
    assert completion.response_seconds > 0


def test_the_request_carries_the_key_prompts_and_sampling_options(server):
    adapter(server).complete(request())

    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["messages"] == [
        {"role": "system", "content": "You are the implementer."},
        {"role": "user", "content": "Implement the thing."},
    ]
    assert (sent.body["max_tokens"], sent.body["temperature"]) == (256, 0.3)
    assert "stream" not in sent.body


def test_a_streamed_completion_asks_for_usage_and_captures_it_exactly(server):
    completion = adapter(server).complete(request(stream=True))

    assert server.requests[0].body["stream"] is True
    assert server.requests[0].body["stream_options"] == {"include_usage": True}
    assert completion.text == "Plan: add the handler, then tests."
    assert completion.usage == Usage(input_tokens=1200, output_tokens=42, cached_input_tokens=1024)


def test_the_wire_model_id_replaces_the_catalog_name(server):
    completion = adapter_with_id(server).complete(request())

    assert server.requests[0].body["model"] == "glm-4.5-air"
    assert completion.model == "glm-4.5-air"


def adapter_with_id(server: FakeOpenAIServer) -> OpenAICompatible:
    return OpenAICompatible(base_url=f"{server.url}/v1", api_key=KEY, model_id="glm-4.5-air")


def test_a_429_is_retried_after_the_wait_that_retry_after_asks_for(server):
    server.script.append(Scripted(status=429, headers={"Retry-After": "1"}))

    completion = adapter(server).complete(request())

    first, second = server.requests
    assert 0.95 <= second.at - first.at < 3.0  # the SDK's own first backoff is at most 0.5 s
    assert second.headers["x-stainless-retry-count"] == "1"
    assert completion.usage.output_tokens == 42


@pytest.mark.parametrize("stream", [False, True])
def test_a_500_is_retried(server, stream):
    server.script.append(Scripted(status=500))

    completion = adapter(server).complete(request(stream=stream))

    assert len(server.requests) == 2
    assert completion.text == "Plan: add the handler, then tests."


def test_a_500_on_every_attempt_is_a_retryable_provider_error(server):
    server.script.extend([Scripted(status=500)] * 2)

    with pytest.raises(ProviderError, match=r"HTTP 500 for model glm-4\.5") as raised:
        adapter(server, max_retries=1).complete(request())

    assert raised.value.retryable is True
    assert raised.value.status == 500
    assert len(server.requests) == 2


def test_a_bad_key_is_reported_without_the_key(server):
    bad = OpenAICompatible(base_url=f"{server.url}/v1", api_key="sk-wrong-secret", max_retries=0)

    with pytest.raises(ProviderError, match="HTTP 401") as raised:
        bad.complete(request())

    assert "sk-wrong-secret" not in str(raised.value)
    assert "sk-wrong-secret" not in repr(bad)


def test_a_bad_request_is_not_worth_retrying_the_task_for(server):
    server.script.append(Scripted(status=400))

    with pytest.raises(ProviderError) as raised:
        adapter(server).complete(request())

    assert raised.value.retryable is False
    assert len(server.requests) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_a_provider_slower_than_the_timeout_raises_a_clear_timeout(server, stream):
    server.script.append(Scripted(delay=2.0))

    with pytest.raises(ProviderTimeout) as raised:
        adapter(server, max_retries=0).complete(request(stream=stream, timeout=0.3))

    assert str(raised.value) == (
        "openai-compatible did not answer for model glm-4.5 within 0.3s (1 attempt)"
    )
    assert raised.value.retryable is True
