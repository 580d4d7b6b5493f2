"""OpenAI-compatible chat completions (GLM and any compatible endpoint) through the `openai` SDK."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import openai

from kyros.domain.model_catalog import Usage
from kyros.runner.providers.base import (
    Completion,
    CompletionRequest,
    ProviderError,
    status_error,
    timeout_error,
)


class OpenAICompatible:
    """Retries 429, 5xx and timeouts `max_retries` times, waiting as `Retry-After` asks (≤ 120s)."""

    name = "openai-compatible"

    def __init__(
        self, *, base_url: str, api_key: str, model_id: str | None = None, max_retries: int = 2
    ) -> None:
        self.base_url = base_url
        self.model_id = model_id
        self.max_retries = max_retries
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=max_retries)

    def __repr__(self) -> str:
        return f"OpenAICompatible(base_url={self.base_url!r}, model_id={self.model_id!r})"

    def complete(self, request: CompletionRequest) -> Completion:
        model = self.model_id or request.model
        started = time.monotonic()
        try:
            if request.stream:
                text, reported_model, usage = self._streamed(model, request)
            else:
                text, reported_model, usage = self._whole(model, request)
        except (openai.APITimeoutError, httpx2.TimeoutException):
            raise timeout_error(self.name, model, request.timeout, self.max_retries + 1) from None
        except openai.APIStatusError as error:
            raise status_error(self.name, model, error.status_code, error.message) from None
        except (openai.APIError, httpx2.HTTPError) as error:
            raise ProviderError(f"{self.name} call to {self.base_url} failed: {error}") from None
        return Completion(
            text=text,
            usage=usage,
            response_seconds=time.monotonic() - started,
            model=reported_model or model,
            provider=self.name,
        )

    def _arguments(self, model: str, request: CompletionRequest) -> dict[str, Any]:
        # `max_tokens`, not `max_completion_tokens`: compatible endpoints such as GLM know only it.
        return {
            "model": model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.prompt},
            ],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "timeout": request.timeout,
        }

    def _whole(self, model: str, request: CompletionRequest) -> tuple[str, str, Usage]:
        response = self._client.chat.completions.create(**self._arguments(model, request))
        if response.usage is None:
            raise _no_usage(self.name, model)
        text = "".join(choice.message.content or "" for choice in response.choices[:1])
        return text, response.model, _usage(response.usage)

    def _streamed(self, model: str, request: CompletionRequest) -> tuple[str, str, Usage]:
        stream = self._client.chat.completions.create(
            **self._arguments(model, request),
            stream=True,
            stream_options={"include_usage": True},
        )
        parts: list[str] = []
        reported, usage = "", None
        with stream:
            for chunk in stream:
                reported = chunk.model or reported
                if chunk.usage is not None:  # the last chunk, with `choices: []`
                    usage = chunk.usage
                parts.extend(c.delta.content or "" for c in chunk.choices if c.index == 0)
        if usage is None:
            raise _no_usage(self.name, model)
        return "".join(parts), reported, _usage(usage)


def _usage(usage: Any) -> Usage:
    """`prompt_tokens` includes the cached prompt tokens, as Kyros's `Usage` does."""
    details = usage.prompt_tokens_details
    cached = (details.cached_tokens or 0) if details is not None else 0
    return Usage(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        cached_input_tokens=min(cached, usage.prompt_tokens),
    )


def _no_usage(provider: str, model: str) -> ProviderError:
    """Costs must be exact: an answer without token counts is refused rather than guessed."""
    return ProviderError(f"{provider} reported no token usage for model {model}", retryable=False)
