"""Tamper evidence for auditors: /v1/audit/public-key, /checkpoints and /verify."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from kyros.audit.reading import checkpoint_page, public_key_view, verification
from kyros.bootstrap import Kyros
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok

Req = Request[Any, Any, Any]


class AuditController(Controller):
    path = "/audit"
    opt = reads()  # the chain's own tables, not read models
    tags = ["Audit"]
    guards = [requires("read_audit")]

    @get("/public-key", operation_id="GetAuditPublicKey")
    async def public_key(self, request: Req, kyros: Kyros) -> Response[bytes]:
        """The Ed25519 key checkpoints are signed with; keep a copy outside Kyros."""
        return ok(request, public_key_view(kyros.audit.key.public_key()))

    @get("/checkpoints", operation_id="ListAuditCheckpoints")
    async def checkpoints(
        self,
        request: Req,
        kyros: Kyros,
        limit: int = Parameter(default=50, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0, le=10_000_000),
    ) -> Response[bytes]:
        """Signed checkpoints, newest first: each the chain's link at a log position."""
        return ok(request, await in_thread(checkpoint_page, kyros.db, limit, offset))

    @get("/verify", operation_id="VerifyAuditChain")
    async def verify(self, request: Req, kyros: Kyros) -> Response[bytes]:
        """Recomputes the chain from the stored events; `problem` is the first bad position
        and what is wrong there (null when the log matches its chain and checkpoints)."""
        key = kyros.audit.key.public_key()
        return ok(request, await in_thread(verification, kyros.db, key))
