"""The audit routes' answers, as msgspec types for the OpenAPI document."""

from __future__ import annotations

from msgspec import Struct

from kyros.http.openapi_common_data import Pagination


class AuditPublicKey(Struct):
    """`public_key` is the raw 32-byte key in base64; `key_id` the first 16 hex digits of its
    SHA-256, as each checkpoint names its signer."""

    algorithm: str
    key_id: str
    public_key: str
    pem: str


class AuditCheckpoint(Struct):
    """Signed bytes: canonical JSON of created_at, key_id, link, position, sequence, v=1."""

    sequence: int
    position: int
    link: str
    created_at: str
    key_id: str
    signature: str


class AuditCheckpointPage(Struct):
    checkpoints: list[AuditCheckpoint]
    pagination: Pagination


class AuditProblem(Struct):
    position: int
    kind: str
    detail: str


class AuditVerification(Struct):
    """`problem`: the first bad position (null when everything verifies); `unchained`: events
    past the chain's head, not yet linked (the chaining worker's lag)."""

    ok: bool
    log_head: int
    chain_head: int
    unchained: int
    checked: int
    checkpoints: int
    last_checkpoint_position: int
    problem: AuditProblem | None
    notes: list[str]


AUDIT_DATA = {
    "GetAuditPublicKey": AuditPublicKey,
    "ListAuditCheckpoints": AuditCheckpointPage,
    "VerifyAuditChain": AuditVerification,
}
