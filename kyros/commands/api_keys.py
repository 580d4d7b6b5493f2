"""API key commands: create (the caller generated the key) and revoke."""

from __future__ import annotations

from uuid import UUID

import msgspec

from kyros.domain.api_key import ApiKey, check_new_key
from kyros.domain.identity_errors import ApiKeyNotFound
from kyros.ids import parse_id
from kyros.store.application import KyrosApplication


class CreateApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """Carries the key's prefix and digest only: the plaintext is shown once, never stored."""

    key_id: UUID
    name: str
    role: str
    prefix: str
    key_hash: str
    actor: str


class RevokeApiKey(msgspec.Struct, frozen=True, kw_only=True):
    key_id: str
    actor: str


def create_api_key(app: KyrosApplication, cmd: CreateApiKey) -> int:
    check_new_key(cmd.name, cmd.role)
    return app.save_all(ApiKey(**msgspec.structs.asdict(cmd)))


def revoke_api_key(app: KyrosApplication, cmd: RevokeApiKey) -> int:
    uuid = parse_id("key", cmd.key_id)
    if uuid is None:
        raise ApiKeyNotFound(cmd.key_id)
    key: ApiKey = app.load(uuid, lambda: ApiKeyNotFound(cmd.key_id))
    key.revoke(actor=cmd.actor)
    return app.save_all(key)
