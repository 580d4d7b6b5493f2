"""API key commands: issue (or create one the caller generated) and revoke."""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID

import msgspec

from kyros.commands.loading import Lookup
from kyros.domain.api_key import ApiKey, api_key_id, check_new_key
from kyros.domain.errors import Conflict
from kyros.domain.identity_errors import ApiKeyNotFound
from kyros.eventstore.application import KyrosApplication
from kyros.identity.api_keys import GeneratedApiKey, generate_api_key
from kyros.ids import public_id

_PREFIX_DRAWS = 5  # a 32-bit prefix collides rarely; five draws in a row never in practice


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


class IssueApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """A new key, generated here: its plaintext exists only in the answer."""

    name: str
    role: str
    actor: str


class IssuedApiKey(NamedTuple):
    key: GeneratedApiKey  # its plaintext is shown to the caller once
    id: str  # key_…
    position: int  # for read-your-writes


def issue_api_key(app: KyrosApplication, cmd: IssueApiKey) -> IssuedApiKey:
    """Generates a key whose id derives from its prefix (`api_key_id`), so authentication can
    find it in the log at once; a prefix already taken is redrawn."""
    check_new_key(cmd.name, cmd.role)
    for _ in range(_PREFIX_DRAWS):
        try:
            return _create(app, cmd, generate_api_key())
        except Conflict:
            continue
    raise Conflict("Could not draw an unused API key prefix; try again")


def _create(app: KyrosApplication, cmd: IssueApiKey, key: GeneratedApiKey) -> IssuedApiKey:
    key_id = api_key_id(key.prefix)
    command = CreateApiKey(
        key_id=key_id,
        name=cmd.name,
        role=cmd.role,
        prefix=key.prefix,
        key_hash=key.hash,
        actor=cmd.actor,
    )
    return IssuedApiKey(key, public_id("key", key_id), create_api_key(app, command))


def create_api_key(app: KyrosApplication, cmd: CreateApiKey) -> int:
    check_new_key(cmd.name, cmd.role)
    return app.save_all(ApiKey(**msgspec.structs.asdict(cmd)))


_KEYS: Lookup[ApiKey] = Lookup("key", ApiKeyNotFound)


def revoke_api_key(app: KyrosApplication, cmd: RevokeApiKey) -> int:
    key = _KEYS.load(app, cmd.key_id)
    key.revoke(actor=cmd.actor)
    return app.save_all(key)
