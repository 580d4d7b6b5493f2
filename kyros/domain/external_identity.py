"""External (OAuth2/OIDC) identities: the race-free claim on one, and the linking rules."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kyros.domain.identity_errors import AmbiguousEmail
from kyros.domain.user import USERNAME

_NOT_USERNAME = re.compile(r"[^a-z0-9._+-]+")
_BASE_CHARS = 60  # leaves room for a suffix within the 100-character username limit
_NUMBERED = 9


class ExternalAccount(Aggregate):
    """Claims (provider, subject) for one user, as `Username` claims a name: a second claim
    collides in the store, so two simultaneous first logins cannot make two users."""

    @staticmethod
    def create_id(provider: str, subject: str) -> UUID:
        return external_account_id(provider, subject)

    @event("Claimed")
    def __init__(self, *, provider: str, subject: str, user_id: str) -> None:
        self.user_id = user_id


def external_account_id(provider: str, subject: str) -> UUID:
    """A JSON pair, so no provider name and subject can run into another pair's."""
    return uuid5(NAMESPACE_URL, f"kyros:external-identity:{json.dumps([provider, subject])}")


def email_owner(email_verified: bool, owners: Sequence[str]) -> str | None:
    """The user a login joins by e-mail: only a verified address, and only one such user."""
    if not email_verified or not owners:
        return None
    if len(set(owners)) > 1:
        raise AmbiguousEmail()
    return owners[0]


def username_candidates(
    email: str | None, name: str | None, provider: str, user_id: UUID
) -> Iterator[str]:
    """The e-mail's local part, else the name, else the provider; then numbered variants, and
    finally one made unique by the new user's id (so the choice is deterministic)."""
    base = next(
        (b for b in (_slug(email.split("@", 1)[0] if email else ""), _slug(name or "")) if b),
        _slug(provider) or "user",
    )
    yield base
    for number in range(2, _NUMBERED + 1):
        yield f"{base}-{number}"
    yield f"{base}-{user_id.hex[-8:]}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_USERNAME.sub("-", ascii_text.strip().lower()).strip("-._+")[:_BASE_CHARS]
    slug = slug.rstrip("-._+")
    return slug if USERNAME.match(slug) else ""
