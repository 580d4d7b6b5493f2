"""What every model provider adapter takes, returns and raises."""

from __future__ import annotations

from typing import Protocol

import msgspec

from kyros.domain.model_catalog import Usage

# Statuses that say "this request will fail the same way again": retrying the task is pointless.
PERMANENT_STATUSES = frozenset({400, 404, 413, 422})


class CompletionRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One model call; `timeout` is in seconds and bounds each attempt (connect, and each read)."""

    system: str
    prompt: str
    model: str
    max_tokens: int
    temperature: float = 0.7
    stream: bool = False
    timeout: float = 300.0


class Completion(msgspec.Struct, frozen=True, kw_only=True):
    """The answer and its exact usage; `response_seconds` spans every attempt, retries included."""

    text: str
    usage: Usage
    response_seconds: float
    model: str
    provider: str
    simulated: bool = False


class Provider(Protocol):
    """Calls one model. Thread-safe: one instance serves concurrent runner loops."""

    name: str

    def complete(self, request: CompletionRequest) -> Completion: ...


class ProviderError(Exception):
    """A model call that failed after the adapter's own retries; `retryable` is about the task."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class ProviderTimeout(ProviderError):
    """The provider did not answer within the request's timeout, on any attempt."""


def status_error(provider: str, model: str, status: int, detail: str) -> ProviderError:
    """An HTTP error from the provider, with its first line of detail and no credentials."""
    first_line = detail.strip().splitlines()[0][:300] if detail.strip() else ""
    message = f"{provider} answered HTTP {status} for model {model}: {first_line}".rstrip(": ")
    return ProviderError(message, retryable=status not in PERMANENT_STATUSES, status=status)


def timeout_error(provider: str, model: str, timeout: float, attempts: int) -> ProviderTimeout:
    tries = "attempt" if attempts == 1 else "attempts"
    return ProviderTimeout(
        f"{provider} did not answer for model {model} within {timeout:g}s ({attempts} {tries})"
    )
