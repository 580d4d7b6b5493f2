"""An admin API key made through the command layer, before any server starts."""

from __future__ import annotations

from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import CreateApiKey, create_api_key
from kyros.identity.api_keys import generate_api_key


def admin_key(kyros: Kyros) -> str:
    key = generate_api_key()
    command = CreateApiKey(
        key_id=ULID().to_uuid(),
        name="bench",
        role="admin",
        prefix=key.prefix,
        key_hash=key.hash,
        actor="bench",
    )
    create_api_key(kyros.app, command)
    return key.plaintext
