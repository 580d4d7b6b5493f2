"""Anthropic Messages API through the official `anthropic` SDK."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import httpx2

from kyros.domain.model_catalog import Usage
from kyros.runner.providers.base import (
    Completion,
    CompletionRequest,
    ProviderError,
    status_error,
    timeout_error,
)


class AnthropicMessages:
    """Retries 429, 5xx (529 too) and timeouts `max_retries` times, honouring `Retry-After`."""

    name = "anthropic"

    def __init__(
        self, *, base_url: str, api_key: str, model_id: str | None = None, max_retries: int = 2
    ) -> None:
        self.base_url = base_url
        self.model_id = model_id
        self.max_retries = max_retries
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, max_retries=max_retries
        )

    def __repr__(self) -> str:
        return f"AnthropicMessages(base_url={self.base_url!r}, model_id={self.model_id!r})"

    def complete(self, request: CompletionRequest) -> Completion:
        model = self.model_id or request.model
        arguments: dict[str, Any] = {
            "model": model,
            "system": request.system,
            "messages": [{"role": "user", "content": request.prompt}],
            "max_tokens": request.max_tokens,
            "timeout": request.timeout,
            # SDK 1.0 dropped sampling keywords; the API still takes them for models that sample
            # (Opus 4.1 does; models after Opus 4.6 refuse them), so they go in the body as is.
            "extra_body": {"temperature": request.temperature},
        }
        started = time.monotonic()
        try:
            if request.stream:
                with self._client.messages.stream(**arguments) as stream:
                    message = stream.get_final_message()
            else:
                message = self._client.messages.create(**arguments)
        except (anthropic.APITimeoutError, httpx2.TimeoutException):
            raise timeout_error(self.name, model, request.timeout, self.max_retries + 1) from None
        except anthropic.APIStatusError as error:
            raise status_error(self.name, model, error.status_code, error.message) from None
        except (anthropic.APIError, httpx2.HTTPError) as error:
            raise ProviderError(f"{self.name} call to {self.base_url} failed: {error}") from None
        text = "".join(block.text for block in message.content if block.type == "text")
        return Completion(
            text=text,
            usage=_usage(message.usage),
            response_seconds=time.monotonic() - started,
            model=message.model or model,
            provider=self.name,
        )


def _usage(usage: Any) -> Usage:
    """Anthropic's `input_tokens` excludes cache reads and writes; Kyros's input includes both.

    Cache writes are priced as fresh input: the catalog has no separate cache-write price.
    """
    read = usage.cache_read_input_tokens or 0
    written = usage.cache_creation_input_tokens or 0
    return Usage(
        input_tokens=usage.input_tokens + read + written,
        output_tokens=usage.output_tokens,
        cached_input_tokens=read,
    )
