"""The ApiKey aggregate: a service credential scoped to one role, stored only as a digest."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kyros.domain.errors import DomainError
from kyros.domain.user import check_role


def api_key_id(prefix: str) -> UUID:
    """A key's id follows from its prefix, so the key can be loaded from the log by the prefix
    alone, before any read model maps one to the other (a second key with the same prefix
    collides in the store, and its issuer draws another)."""
    return uuid5(NAMESPACE_URL, f"kyros:api-key:{prefix}")


def check_new_key(name: str, role: str) -> None:
    """Checked before the Created event, never on replay (so old keys always load)."""
    if not 1 <= len(name.strip()) <= 100:
        raise DomainError("Must be 1 to 100 characters", field="name")
    check_role(role)


class ApiKey(Aggregate):
    """The plaintext never reaches the domain: the key arrives as its prefix and SHA-256 digest."""

    @staticmethod
    def create_id(key_id: UUID) -> UUID:
        return key_id

    @event("Created")
    def __init__(
        self, *, key_id: UUID, name: str, prefix: str, key_hash: str, role: str, actor: str
    ) -> None:
        self.name = name
        self.prefix = prefix
        self.key_hash = key_hash
        self.role = role
        self.revoked = False

    def revoke(self, *, actor: str) -> None:
        """Idempotent: revoking a revoked key records nothing."""
        if not self.revoked:
            self._revoked(actor=actor)

    @event("Revoked")
    def _revoked(self, actor: str) -> None:
        self.revoked = True
