"""The TokenFamily aggregate: one login's chain of rotated refresh tokens, revocable as a whole."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kyros.domain.identity_errors import Unauthorized


class TokenFamily(Aggregate):
    """Only the newest refresh token of a family is valid; presenting an older one means it
    leaked (someone else already used it), so the whole family is revoked (RFC 9700 §4.14)."""

    @staticmethod
    def create_id(family_id: UUID) -> UUID:
        return family_id

    @event("Started")
    def __init__(self, *, family_id: UUID, user_id: str, token_id: str) -> None:
        self.user_id = user_id
        self.token_id = token_id
        self.revoked = False

    def rotate(self, *, presented: str, next_token_id: str) -> bool:
        """Moves to `next_token_id`; False, with the family revoked, when `presented` is stale."""
        self.check_active()
        if presented != self.token_id:
            self._revoked(reason="reuse", actor=self.user_id)
            return False
        self._rotated(previous_token_id=presented, token_id=next_token_id)
        return True

    @event("Rotated")
    def _rotated(self, previous_token_id: str, token_id: str) -> None:
        self.token_id = token_id

    def revoke(self, *, reason: str, actor: str) -> None:
        if not self.revoked:
            self._revoked(reason=reason, actor=actor)

    @event("Revoked")
    def _revoked(self, reason: str, actor: str) -> None:
        self.revoked = True

    def check_active(self) -> None:
        if self.revoked:
            raise Unauthorized("This session has ended; log in again")
