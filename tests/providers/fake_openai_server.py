"""A local server speaking OpenAI's /v1/chat/completions wire protocol: JSON, SSE and errors."""

from __future__ import annotations

import time
from typing import Any

from tests.providers.wire_server import Exchange, Recorded, WireServer

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}


class FakeOpenAIServer(WireServer):
    """Answers `text` in `pieces` chunks with the given usage; serves any `…/chat/completions`."""

    def __init__(
        self,
        *,
        api_key: str = "sk-test-openai",
        text: str = "Hello from the fake model.",
        prompt_tokens: int = 1200,
        completion_tokens: int = 42,
        cached_tokens: int = 1024,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.text = text
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.cached_tokens = cached_tokens

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kind, code = _ERROR_TYPES.get(status, ("server_error", None))
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def answer(self, exchange: Exchange, request: Recorded) -> None:
        if not request.path.endswith("/chat/completions"):
            exchange.json(404, self.error_body(404, f"Invalid URL (POST {request.path})"))
        elif request.headers.get("authorization") != f"Bearer {self.api_key}":
            exchange.json(401, self.error_body(401, "Incorrect API key provided."))
        elif not request.body.get("model") or not request.body.get("messages"):
            exchange.json(400, self.error_body(400, "'model' and 'messages' are required."))
        elif request.body.get("stream"):
            self._stream(exchange, request.body)
        else:
            exchange.json(200, self._completion(request.body["model"]), _request_id())

    def usage(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": self.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def _completion(self, model: str) -> dict[str, Any]:
        message = {"role": "assistant", "content": self.text, "refusal": None, "annotations": []}
        return {
            **_head(model, "chat.completion"),
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            ],
            "usage": self.usage(),
        }

    def _stream(self, exchange: Exchange, body: dict[str, Any]) -> None:
        """As the API does: with `include_usage`, every chunk has `usage: null` but a last one."""
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        head = _head(body["model"], "chat.completion.chunk")

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            extra = {"usage": None} if include_usage else {}
            return {**head, "choices": [choice], **extra}

        exchange.start_events(_request_id())
        exchange.event(chunk({"role": "assistant", "content": "", "refusal": None}))
        for piece in _pieces(self.text):
            exchange.event(chunk({"content": piece}))
        exchange.event(chunk({}, finish="stop"))
        if include_usage:
            exchange.event({**head, "choices": [], "usage": self.usage()})
        exchange.event("[DONE]")


def _head(model: str, kind: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "service_tier": "default",
        "system_fingerprint": "fp_fake0001",
    }


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [word if i == 0 else f" {word}" for i, word in enumerate(words)]


def _request_id() -> dict[str, str]:
    return {"x-request-id": "req_fake0001", "openai-processing-ms": "12"}
