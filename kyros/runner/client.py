"""The worker protocol over HTTP: register, heartbeat, claim, progress, complete, fail."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

# Added to a long-poll's `wait` so the HTTP timeout never fires before the server answers.
LONG_POLL_MARGIN = 15.0


class Registration(msgspec.Struct, frozen=True):
    agent_id: str
    role: str
    capacity: int
    lease_seconds: float
    heartbeat_interval_seconds: float


class Submission(msgspec.Struct, frozen=True):
    """A claimed unit of work; `task` is the full task view (title, description, files, …).

    `context` and `preferences` are the submitter's (spec: Submit Task to Agent), when given.
    """

    submission_id: str
    task_id: str
    role: str
    model: str
    task: dict[str, Any]
    lease_expires_at: str | None = None
    context: dict[str, Any] | None = None
    preferences: dict[str, Any] | None = None


class ProtocolError(Exception):
    """Kyros refused a call; `code` is the envelope's error code (or HTTP_<status>)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code

    @property
    def fatal(self) -> bool:
        """For register and claim: the key is refused or the agent gone; retrying cannot help."""
        return self.status in (401, 403, 404)


class WorkerClient:
    """One agent identity's HTTP session; the API key goes in a header and nowhere else."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        root = base_url.rstrip("/").removesuffix("/v1")
        self.base_url = root
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=f"{root}/v1",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"WorkerClient({self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def register(self, role: str, capacity: int, name: str) -> Registration:
        body = {"role": role, "capacity": capacity, "name": name}
        return msgspec.convert(await self._post("/agents/register", body), Registration)

    async def heartbeat(self, agent_id: str) -> dict[str, Any]:
        return dict(await self._post(f"/agents/{agent_id}/heartbeat") or {})

    async def claim(self, agent_id: str, wait: float) -> Submission | None:
        """Long-polls up to `wait` seconds; None when no work came in that time."""
        data = await self._post(
            f"/agents/{agent_id}/claim",
            params={"wait": int(wait)},
            timeout=wait + LONG_POLL_MARGIN,
        )
        found = (data or {}).get("submission")
        return None if found is None else msgspec.convert(found, Submission)

    async def progress(self, submission_id: str, completed: int, total: int, step: str) -> None:
        body = {"completed_steps": completed, "total_steps": total, "current_step": step}
        await self._post(f"/submissions/{submission_id}/progress", body)

    async def complete(
        self,
        submission_id: str,
        results: dict[str, Any],
        usage: dict[str, Any],
        feedback: str | None = None,
    ) -> None:
        body = {"results": results, "usage": usage, "feedback": feedback}
        await self._post(f"/submissions/{submission_id}/complete", body)

    async def fail(self, submission_id: str, error: str, retryable: bool) -> None:
        body = {"error": error, "retryable": retryable}
        await self._post(f"/submissions/{submission_id}/fail", body)

    async def _post(
        self,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        response = await self._http.post(
            path,
            json=body if body is not None else {},
            params=params,
            timeout=timeout or self._timeout,
        )
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if response.is_success and isinstance(envelope, dict) and envelope.get("success"):
            return envelope.get("data")
        error = envelope.get("error") if isinstance(envelope, dict) else None
        error = error if isinstance(error, dict) else {}
        code = str(error.get("code") or f"HTTP_{response.status_code}")
        message = str(error.get("message") or response.reason_phrase or "no message")
        raise ProtocolError(response.status_code, code, message)
