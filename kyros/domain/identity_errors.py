"""Refusals of the identity layer: who may sign in, and who may do what."""

from __future__ import annotations

from kyros.domain.errors import Conflict, DomainError, InvalidState, NotFound


class Unauthorized(DomainError):
    """No credential, or one that does not prove who the caller is (HTTP 401)."""

    code = "UNAUTHORIZED"
    status = 401


class InvalidCredentials(Unauthorized):
    """One message for an unknown user and a wrong password, so neither can be told apart."""

    def __init__(self) -> None:
        super().__init__("Invalid username or password")


class Forbidden(DomainError):
    code = "FORBIDDEN"
    status = 403


class AccountDisabled(Forbidden):
    def __init__(self) -> None:
        super().__init__("This account is disabled; ask an administrator to enable it")


class AccountLocked(DomainError):
    """Too many consecutive failed logins; only an administrator's unlock lifts it."""

    code = "ACCOUNT_LOCKED"
    status = 423

    def __init__(self) -> None:
        super().__init__(
            "This account is locked after too many failed logins; ask an administrator to unlock it"
        )


class UserNotFound(NotFound):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"User {user_id} does not exist", field="user_id")


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key {key_id} does not exist", field="key_id")


class UsernameTaken(Conflict):
    def __init__(self, username: str) -> None:
        super().__init__(f"The username {username} is already taken", field="username")


class AmbiguousEmail(InvalidState):
    def __init__(self) -> None:
        super().__init__(
            "Several users have this e-mail address; ask an administrator to link the account",
            field="email",
        )


class ProviderAlreadyLinked(InvalidState):
    """A recycled or moved e-mail address must not take over an account through a new subject."""

    def __init__(self, provider: str) -> None:
        super().__init__(
            f"This user is already linked to another {provider} account", field="provider"
        )
