"""Session commands: log in, rotate a refresh token, log out; each records what happened."""

from __future__ import annotations

from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from kyros.commands.conflicts import rerun
from kyros.commands.loading import Lookup
from kyros.commands.users import find_user, load_user
from kyros.domain.errors import Conflict
from kyros.domain.identity_errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    Unauthorized,
)
from kyros.domain.token_family import TokenFamily
from kyros.domain.user import User, normalise_username
from kyros.eventstore.application import KyrosApplication
from kyros.identity.passwords import verify_dummy, verify_password
from kyros.ids import public_id

_FAILURE_RETRIES = 3


class LogIn(msgspec.Struct, frozen=True, kw_only=True):
    """`family_id` and `token_id` name the session and its first refresh token."""

    username: str
    password: str
    max_attempts: int
    family_id: UUID
    token_id: str

    def __repr__(self) -> str:
        return f"LogIn(username={self.username!r}, password='***')"


class Refresh(msgspec.Struct, frozen=True, kw_only=True):
    """What a verified refresh token said, and the id of the token that replaces it."""

    user_id: str
    family_id: str
    token_id: str
    next_token_id: str


class LogOut(msgspec.Struct, frozen=True, kw_only=True):
    family_id: str
    actor: str


class EndIdleSession(msgspec.Struct, frozen=True, kw_only=True):
    family_id: str


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """Who signed in, and the refresh token id to sign; `position` is for read-your-writes."""

    user_id: str
    email: str | None
    roles: list[str]
    family_id: str
    token_id: str
    position: int


def log_in(app: KyrosApplication, cmd: LogIn) -> Session:
    return open_session(app, _verified_user(app, cmd), cmd.family_id, cmd.token_id)


def open_session(
    app: KyrosApplication, user: User, family_uuid: UUID, token_id: str, *others: Aggregate
) -> Session:
    """Records the login and saves it, the new token family and `others` in one atomic save
    (a lost race raises Conflict and saves nothing)."""
    family_id = public_id("fam", family_uuid)
    family = TokenFamily(family_id=family_uuid, user_id=user.public_id, token_id=token_id)
    user.record_login(family_id=family_id)
    return _session(user, family_id, token_id, app.save_all(user, *others, family))


def refresh(app: KyrosApplication, cmd: Refresh) -> Session:
    """Presenting an already rotated token revokes the family, so its newest token dies too."""
    family = _FAMILIES.load(app, cmd.family_id)
    if family.user_id != cmd.user_id:
        raise Unauthorized("Invalid refresh token")
    if not family.rotate(presented=cmd.token_id, next_token_id=cmd.next_token_id):
        app.save_all(family)
        raise Unauthorized("This refresh token was already used; its session is now revoked")
    user = load_user(app, family.user_id)
    if user.disabled:
        raise AccountDisabled()
    return _session(user, cmd.family_id, cmd.next_token_id, app.save_all(family))


def log_out(app: KyrosApplication, cmd: LogOut) -> int:
    family = _FAMILIES.load(app, cmd.family_id)
    family.revoke(reason="logout", actor=cmd.actor)
    return app.save_all(family)


def end_idle_session(app: KyrosApplication, cmd: EndIdleSession) -> int:
    """Revokes a session that went unused past the timeout, so raising the timeout later
    does not revive it; a racing request that revoked it first leaves nothing to do."""
    family = _FAMILIES.load(app, cmd.family_id)
    family.revoke(reason="idle_timeout", actor="system")
    try:
        return app.save_all(family)
    except Conflict:
        return 0


def _verified_user(app: KyrosApplication, cmd: LogIn) -> User:
    """Every refusal costs one Argon2 verification, whether or not the user exists."""
    user = find_user(app, normalise_username(cmd.username))
    if user is None or user.locked:
        verify_dummy(cmd.password)
        raise InvalidCredentials() if user is None else AccountLocked()
    if not verify_password(user.password_hash, cmd.password):
        if _record_failure(app, user, cmd.max_attempts).locked:
            raise AccountLocked()
        raise InvalidCredentials()
    user.check_can_sign_in()
    return user


def _record_failure(app: KyrosApplication, user: User, max_attempts: int) -> User:
    """Concurrent failures must all count: a lost save reloads the user and counts again
    (only the save re-runs, not the password check); past the retries it goes uncounted."""
    first = iter([user])

    def attempt() -> User:
        current: User = next(first, None) or app.repository.get(user.id)
        current.record_failed_login(max_attempts=max_attempts)
        app.save_all(current)
        return current

    try:
        return rerun(attempt, _FAILURE_RETRIES)
    except Conflict:
        return app.repository.get(user.id)  # type: ignore[no-any-return]


def _invalid_session(_: str) -> Unauthorized:
    return Unauthorized("Invalid session")


_FAMILIES: Lookup[TokenFamily] = Lookup("fam", _invalid_session)


def _session(user: User, family_id: str, token_id: str, position: int) -> Session:
    return Session(
        user_id=user.public_id,
        email=user.email,
        roles=list(user.roles),
        family_id=family_id,
        token_id=token_id,
        position=position,
    )
