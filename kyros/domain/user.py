"""The User aggregate: who a person is, which roles they held when, and how they signed in."""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kyros.domain.errors import DomainError, InvalidState
from kyros.domain.identity_errors import AccountDisabled, AccountLocked, ProviderAlreadyLinked
from kyros.domain.permissions import Role
from kyros.ids import public_id

USER_ROLES: tuple[str, ...] = tuple(role.value for role in Role)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,99}$")


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively: `Alice` and `alice` are one account."""
    return username.strip().lower()


def check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise DomainError(
            "Must be 1-100 characters of a-z, 0-9 and . _ @ + -, starting with a letter or digit",
            field="username",
        )


PASSWORD_LENGTH = (8, 1024)


def check_new_password(password: str) -> None:
    """Length only (NIST SP 800-63B): at least 8, and at most 1024 so hashing stays cheap."""
    if not PASSWORD_LENGTH[0] <= len(password) <= PASSWORD_LENGTH[1]:
        raise DomainError("Must be between 8 and 1024 characters", field="password")


def check_role(role: str, field: str = "role") -> None:
    if role not in USER_ROLES:
        raise DomainError(f"Must be one of: {', '.join(USER_ROLES)}", field=field)


class Username(Aggregate):
    """Claims a username for one user; a second claim collides in the store (race-free)."""

    @staticmethod
    def create_id(username: str) -> UUID:
        return username_id(username)

    @event("Claimed")
    def __init__(self, *, username: str, user_id: str) -> None:
        self.user_id = user_id


def username_id(username: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"kyros:username:{username}")


class User(Aggregate):
    """Stores the Argon2id hash only; events carry the actor, the store stamps the time."""

    @staticmethod
    def create_id(user_id: UUID) -> UUID:
        return user_id

    @event("Created")
    def __init__(
        self,
        *,
        user_id: UUID,
        username: str,
        email: str | None,
        name: str | None,
        password_hash: str,
        roles: list[str],
        actor: str,
    ) -> None:
        self.public_id = public_id("user", user_id)
        self.username = username
        self.email = email
        self.name = name
        self.password_hash = password_hash
        self.roles = sorted(set(roles))
        self.disabled = False
        self.locked = False
        self.failed_logins = 0
        self.external_identities: list[tuple[str, str]] = []  # (provider, subject)

    def grant(self, role: str, *, actor: str) -> None:
        check_role(role)
        if role not in self.roles:
            self._role_granted(role=role, actor=actor)

    @event("RoleGranted")
    def _role_granted(self, role: str, actor: str) -> None:
        self.roles = sorted({*self.roles, role})

    def revoke(self, role: str, *, actor: str) -> None:
        check_role(role)
        if role == Role.ADMIN:
            self.check_not_self(actor, "revoke your own admin role")
        if role in self.roles:
            self._role_revoked(role=role, actor=actor)

    @event("RoleRevoked")
    def _role_revoked(self, role: str, actor: str) -> None:
        self.roles = [r for r in self.roles if r != role]

    @event("PasswordChanged")
    def change_password(self, password_hash: str, actor: str) -> None:
        self.password_hash = password_hash

    def disable(self, *, actor: str) -> None:
        self.check_not_self(actor, "disable your own account")
        if not self.disabled:
            self._disabled(actor=actor)

    @event("Disabled")
    def _disabled(self, actor: str) -> None:
        self.disabled = True

    def enable(self, *, actor: str) -> None:
        if self.disabled:
            self._enabled(actor=actor)

    @event("Enabled")
    def _enabled(self, actor: str) -> None:
        self.disabled = False

    def unlock(self, *, actor: str) -> None:
        """Also forgets earlier failures, so the user gets the full number of attempts."""
        if self.locked or self.failed_logins:
            self._unlocked(actor=actor)

    @event("Unlocked")
    def _unlocked(self, actor: str) -> None:
        self.locked = False
        self.failed_logins = 0

    def record_failed_login(self, *, max_attempts: int) -> None:
        """Counts consecutive failures; the one that reaches `max_attempts` locks the account."""
        self._login_failed(failures=self.failed_logins + 1)
        if self.failed_logins >= max_attempts and not self.locked:
            self._locked(failures=self.failed_logins, max_attempts=max_attempts)

    @event("LoginFailed")
    def _login_failed(self, failures: int) -> None:
        self.failed_logins = failures

    @event("Locked")
    def _locked(self, failures: int, max_attempts: int) -> None:
        self.locked = True

    @event("LoggedIn")
    def record_login(self, family_id: str) -> None:
        """A successful login also ends the run of failures."""
        self.failed_logins = 0

    def link_external_identity(
        self, *, provider: str, subject: str, email: str | None, email_verified: bool, actor: str
    ) -> None:
        """Idempotent; at most one account per provider (see `ProviderAlreadyLinked`)."""
        if (provider, subject) in self.external_identities:
            return
        if any(linked == provider for linked, _ in self.external_identities):
            raise ProviderAlreadyLinked(provider)
        self._external_identity_linked(
            provider=provider,
            subject=subject,
            email=email,
            email_verified=email_verified,
            actor=actor,
        )

    @event("ExternalIdentityLinked")
    def _external_identity_linked(
        self, provider: str, subject: str, email: str | None, email_verified: bool, actor: str
    ) -> None:
        self.external_identities = [*self.external_identities, (provider, subject)]

    def check_can_sign_in_externally(self) -> None:
        """The provider vouches for the person, so the password lockout does not apply here
        (it guards the password, and would let anyone lock a password-less user out)."""
        if self.disabled:
            raise AccountDisabled()

    def check_can_sign_in(self) -> None:
        if self.locked:
            raise AccountLocked()
        if self.disabled:
            raise AccountDisabled()

    def check_not_self(self, actor: str, action: str) -> None:
        """An administrator cannot lock themselves out by accident."""
        if actor == self.public_id:
            raise InvalidState(f"You cannot {action}", field="user_id")
