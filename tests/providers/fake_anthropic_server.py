"""A local server speaking Anthropic's /v1/messages wire protocol: JSON, SSE events and errors."""

from __future__ import annotations

from typing import Any

from tests.providers.wire_server import Exchange, Recorded, WireServer

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_HEADERS = {"request-id": "req_011CFakeAnthropic0001"}


class FakeAnthropicServer(WireServer):
    """Answers `text` with the given usage; `input_tokens` excludes cache reads and writes."""

    def __init__(
        self,
        *,
        api_key: str = "sk-ant-test",
        text: str = "Hello from the fake Claude.",
        input_tokens: int = 30,
        output_tokens: int = 57,
        cache_read_input_tokens: int = 2000,
        cache_creation_input_tokens: int = 100,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.text = text
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.cache_read_input_tokens = cache_read_input_tokens
        self.cache_creation_input_tokens = cache_creation_input_tokens

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kind = _ERROR_TYPES.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}

    def answer(self, exchange: Exchange, request: Recorded) -> None:
        body = request.body
        if request.path != "/v1/messages":
            exchange.json(404, self.error_body(404, "Not found"), _HEADERS)
        elif self.api_key not in (request.headers.get("x-api-key"), _bearer(request.headers)):
            exchange.json(401, self.error_body(401, "invalid x-api-key"), _HEADERS)
        elif not request.headers.get("anthropic-version"):
            exchange.json(400, self.error_body(400, "anthropic-version header is required"))
        elif not all(body.get(f) for f in ("model", "max_tokens", "messages")):
            exchange.json(400, self.error_body(400, "model, max_tokens, messages: required"))
        elif body.get("stream"):
            self._stream(exchange, body["model"])
        else:
            exchange.json(200, self._message(body["model"]), _HEADERS)

    def usage(self, output_tokens: int) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        }

    def _message(self, model: str, *, streaming: bool = False) -> dict[str, Any]:
        return {
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [] if streaming else [{"type": "text", "text": self.text}],
            "stop_reason": None if streaming else "end_turn",
            "stop_sequence": None,
            "usage": self.usage(1 if streaming else self.output_tokens),
        }

    def _stream(self, exchange: Exchange, model: str) -> None:
        """The documented event flow; `message_delta` carries the cumulative output tokens."""
        exchange.start_events(_HEADERS)
        message = self._message(model, streaming=True)
        exchange.event({"type": "message_start", "message": message}, "message_start")
        block = {"type": "content_block_start", "index": 0}
        exchange.event({**block, "content_block": {"type": "text", "text": ""}}, block["type"])
        exchange.event({"type": "ping"}, "ping")
        for piece in _pieces(self.text):
            delta = {"type": "text_delta", "text": piece}
            data = {"type": "content_block_delta", "index": 0, "delta": delta}
            exchange.event(data, "content_block_delta")
        exchange.event({"type": "content_block_stop", "index": 0}, "content_block_stop")
        delta = {"stop_reason": "end_turn", "stop_sequence": None}
        usage = {"output_tokens": self.output_tokens}
        exchange.event({"type": "message_delta", "delta": delta, "usage": usage}, "message_delta")
        exchange.event({"type": "message_stop"}, "message_stop")


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [word if i == 0 else f" {word}" for i, word in enumerate(words)]


def _bearer(headers: dict[str, str]) -> str | None:
    """The API takes the key as `x-api-key` or, as SDK 2.x sends it, as a bearer token."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" else None
