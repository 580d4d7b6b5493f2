"""One signed POST to a webhook endpoint: no redirects, no proxies, a hard timeout."""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio
import httpcore2

from kyros import __version__
from kyros.webhooks.egress import DestinationRefused, EgressPolicy, GuardedBackend
from kyros.webhooks.signing import signature_header

EXCERPT_CHARS = 1_024  # what a delivery's log keeps of a response body
_READ_LIMIT = 8_192  # read no more than this of any response


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt learned; `status_code` None means no HTTP answer (see `error`)."""

    status_code: int | None
    error: str | None
    body: str | None
    truncated: bool
    duration_ms: int
    retry_after: str | None


class Sender:
    """A connection pool whose every connection is made to a checked address (GuardedBackend).

    httpcore neither follows redirects nor reads proxy settings from the environment, so a
    3xx answer is just a failed attempt and nothing is routed through an unexpected proxy.
    """

    def __init__(self, policy: EgressPolicy, timeout: float, max_connections: int = 200) -> None:
        self.timeout = timeout
        self._pool = httpcore2.AsyncConnectionPool(
            network_backend=GuardedBackend(policy),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            retries=0,
        )

    async def post(
        self, url: str, message_id: str, keys: list[bytes], body: bytes, timestamp: int
    ) -> Attempt:
        headers = [
            (b"content-type", b"application/json"),
            (b"user-agent", f"Kyros-Webhooks/{__version__}".encode()),
            (b"webhook-id", message_id.encode()),
            (b"webhook-timestamp", str(timestamp).encode()),
            (b"webhook-signature", signature_header(keys, message_id, timestamp, body).encode()),
        ]
        timeouts = {key: self.timeout for key in ("connect", "read", "write", "pool")}
        started = time.monotonic()
        status, error, excerpt, truncated, retry_after = None, None, None, False, None
        try:
            with anyio.fail_after(self.timeout):
                async with self._pool.stream(
                    "POST", url, headers=headers, content=body, extensions={"timeout": timeouts}
                ) as response:
                    status = response.status
                    retry_after = _header(response.headers, b"retry-after")
                    excerpt, truncated = await _excerpt(response)
        except TimeoutError:
            error = f"Timed out after {self.timeout:g}s"
        except (httpcore2.TimeoutException, httpcore2.ConnectTimeout):
            error = f"Timed out after {self.timeout:g}s"
        except DestinationRefused as refused:
            error = f"Destination refused: {refused}"
        except (
            httpcore2.NetworkError,
            httpcore2.ProtocolError,
            httpcore2.UnsupportedProtocol,
        ) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
        elapsed = int((time.monotonic() - started) * 1000)
        return Attempt(status, error, excerpt, truncated, elapsed, retry_after)

    async def aclose(self) -> None:
        await self._pool.aclose()


async def _excerpt(response: httpcore2.Response) -> tuple[str, bool]:
    received = bytearray()
    async for chunk in response.aiter_stream():
        received += chunk
        if len(received) >= _READ_LIMIT:
            break
    text = bytes(received).decode("utf-8", errors="replace")
    return text[:EXCERPT_CHARS], len(text) > EXCERPT_CHARS or len(received) >= _READ_LIMIT


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None
