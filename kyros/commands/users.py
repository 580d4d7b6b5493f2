"""User commands: one handler per intent, each load → decide on the User aggregate → save."""

from __future__ import annotations

from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError

from kyros.commands.loading import Lookup
from kyros.domain.errors import Conflict
from kyros.domain.identity_errors import UsernameTaken, UserNotFound
from kyros.domain.user import (
    User,
    Username,
    check_new_password,
    check_role,
    check_username,
    normalise_username,
    username_id,
)
from kyros.eventstore.application import KyrosApplication
from kyros.identity.passwords import hash_password


class CreateUser(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    username: str
    password: str
    roles: list[str]
    actor: str
    email: str | None = None
    name: str | None = None

    def __repr__(self) -> str:
        return f"CreateUser(username={self.username!r}, roles={self.roles!r}, password='***')"


class ChangeRole(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    role: str
    actor: str


class GrantRole(ChangeRole, frozen=True, kw_only=True):
    pass


class RevokeRole(ChangeRole, frozen=True, kw_only=True):
    pass


class ChangePassword(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    password: str
    actor: str

    def __repr__(self) -> str:
        return f"ChangePassword(user_id={self.user_id!r}, password='***')"


class UserAction(msgspec.Struct, frozen=True, kw_only=True):
    """Disable, enable or unlock: only who and by whom."""

    user_id: str
    actor: str


class DisableUser(UserAction, frozen=True, kw_only=True):
    pass


class EnableUser(UserAction, frozen=True, kw_only=True):
    pass


class UnlockUser(UserAction, frozen=True, kw_only=True):
    pass


USERS: Lookup[User] = Lookup("user", UserNotFound)


def load_user(app: KyrosApplication, user_id: str) -> User:
    return USERS.load(app, user_id)


def find_user(app: KyrosApplication, username: str) -> User | None:
    """By (normalised) username, through its claim: exact even before read models catch up."""
    try:
        claim: Username = app.repository.get(username_id(username))
    except AggregateNotFoundError:
        return None
    return load_user(app, claim.user_id)


def create_user(app: KyrosApplication, cmd: CreateUser) -> int:
    """The user and the claim on its username save together; a lost race is UsernameTaken."""
    username = normalise_username(cmd.username)
    check_username(username)
    check_new_password(cmd.password)
    for role in cmd.roles:
        check_role(role, field="roles")
    if find_user(app, username) is not None:
        raise UsernameTaken(username)
    fields = msgspec.structs.asdict(cmd) | {"username": username}
    password_hash = hash_password(fields.pop("password"))
    user = User(**fields, password_hash=password_hash)
    try:
        return app.save_all(user, Username(username=username, user_id=user.public_id))
    except Conflict:
        raise UsernameTaken(username) from None


def grant_role(app: KyrosApplication, cmd: ChangeRole) -> int:
    user = load_user(app, cmd.user_id)
    user.grant(cmd.role, actor=cmd.actor)
    return app.save_all(user)


def revoke_role(app: KyrosApplication, cmd: ChangeRole) -> int:
    user = load_user(app, cmd.user_id)
    user.revoke(cmd.role, actor=cmd.actor)
    return app.save_all(user)


def change_password(app: KyrosApplication, cmd: ChangePassword) -> int:
    check_new_password(cmd.password)
    user = load_user(app, cmd.user_id)
    user.change_password(password_hash=hash_password(cmd.password), actor=cmd.actor)
    return app.save_all(user)


def disable_user(app: KyrosApplication, cmd: UserAction) -> int:
    user = load_user(app, cmd.user_id)
    user.disable(actor=cmd.actor)
    return app.save_all(user)


def enable_user(app: KyrosApplication, cmd: UserAction) -> int:
    user = load_user(app, cmd.user_id)
    user.enable(actor=cmd.actor)
    return app.save_all(user)


def unlock_user(app: KyrosApplication, cmd: UserAction) -> int:
    user = load_user(app, cmd.user_id)
    user.unlock(actor=cmd.actor)
    return app.save_all(user)
