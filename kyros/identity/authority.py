"""Who holds a credential now: the read model answers only when the log has nothing newer."""

from __future__ import annotations

from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from kyros.domain.api_key import ApiKey, api_key_id
from kyros.domain.identity_errors import Unauthorized
from kyros.domain.token_family import TokenFamily
from kyros.domain.user import User
from kyros.eventstore.application import KyrosApplication
from kyros.identity.api_keys import api_key_prefix, verify_api_key
from kyros.ids import parse_id, public_id
from kyros.projections.jsondoc import loads
from kyros.queries.identity import (
    api_key_credential_checked,
    api_keys_with_prefix_checked,
    session_user_checked,
)
from kyros.readstore.database import Database

_BAD_KEY = "Invalid or revoked API key"
_ENDED = "This session has ended; log in again"
_DISABLED = "This account is disabled"

# The events that change what an authentication decision reads (not logins, failures or
# rotations, which are frequent and change nothing here).
_KEY_TOPICS = tuple(get_topic(e) for e in (ApiKey.Created, ApiKey.Revoked))
_SESSION_TOPICS = tuple(
    get_topic(e)
    for e in (
        User.Created,
        User.RoleGranted,
        User.RoleRevoked,
        User.Disabled,
        User.Enabled,
        TokenFamily.Started,
        TokenFamily.Revoked,
    )
)


class Holder(NamedTuple):
    """Whom a credential authenticates, with the roles they hold at this moment."""

    subject: str  # user_… or key_…
    name: str  # a user's username, or an API key's name
    roles: frozenset[str]


def api_key_holder(app: KyrosApplication, db: Database, plaintext: str) -> Holder:
    """Constant-time digest comparison against every key that shares the prefix.

    A key new to the read model is found in the log by its prefix (`api_key_id`); keys issued
    before ids derived from prefixes are found through the read model's rows."""
    prefix = api_key_prefix(plaintext)
    if prefix is None:
        raise Unauthorized(_BAD_KEY)
    newer, rows = api_keys_with_prefix_checked(db, prefix, _KEY_TOPICS)
    if not newer:
        row = next((r for r in rows if verify_api_key(plaintext, r["key_hash"])), None)
        if row is None or row["revoked_at"]:
            raise Unauthorized(_BAD_KEY)
        return Holder(row["id"], row["name"], frozenset({row["role"]}))
    ids = {api_key_id(prefix)} | {parse_id("key", r["id"]) for r in rows}
    keys = (_load(app, uuid) for uuid in ids if uuid is not None)
    key = next((k for k in keys if k and verify_api_key(plaintext, k.key_hash)), None)
    return _key_holder(key)


def api_key_holder_by_id(app: KyrosApplication, db: Database, key_id: str) -> Holder:
    """For an access token issued to a key: the key must still be active."""
    newer, row = api_key_credential_checked(db, key_id, _KEY_TOPICS)
    if not newer:
        if row is None or row["revoked_at"]:
            raise Unauthorized(_BAD_KEY)
        return Holder(row["id"], row["name"], frozenset({row["role"]}))
    uuid = parse_id("key", key_id)
    return _key_holder(_load(app, uuid) if uuid else None)


def session_holder(
    app: KyrosApplication, db: Database, family_id: str | None, user_id: str
) -> Holder:
    """The user of a live session (its token family), with the roles they hold now."""
    if family_id is None:
        raise Unauthorized(_ENDED)
    newer, row = session_user_checked(db, family_id, user_id, _SESSION_TOPICS)
    if not newer:
        if row is None:
            raise Unauthorized(_ENDED)
        if row["disabled"]:
            raise Unauthorized(_DISABLED)
        return Holder(row["id"], row["username"], frozenset(loads(row["roles"])))
    family_uuid, user_uuid = parse_id("fam", family_id), parse_id("user", user_id)
    family = _load(app, family_uuid) if family_uuid else None
    user = _load(app, user_uuid) if user_uuid else None
    if not isinstance(family, TokenFamily) or family.revoked or family.user_id != user_id:
        raise Unauthorized(_ENDED)
    if not isinstance(user, User):
        raise Unauthorized(_ENDED)
    if user.disabled:
        raise Unauthorized(_DISABLED)
    return Holder(user.public_id, user.username, frozenset(user.roles))


def _load(app: KyrosApplication, uuid: UUID) -> Any:
    try:
        return app.repository.get(uuid)
    except AggregateNotFoundError:
        return None


def _key_holder(key: Any) -> Holder:
    if not isinstance(key, ApiKey) or key.revoked:
        raise Unauthorized(_BAD_KEY)
    return Holder(public_id("key", key.id), key.name, frozenset({key.role}))
