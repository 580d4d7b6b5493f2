"""The users read model: one row per user, for authentication, listings and /auth/me."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
from kyros.projections.rowset import RowSet
from kyros.readstore.database import Cursor
from kyros.timefmt import iso

DDL = (
    """
    CREATE TABLE IF NOT EXISTS rm_users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        email TEXT,
        name TEXT,
        roles TEXT NOT NULL,
        disabled INTEGER NOT NULL,
        locked INTEGER NOT NULL,
        failed_logins INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        password_changed_at TEXT NOT NULL,
        last_login TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS rm_users_username ON rm_users (username)",
)


class UsersProjection:
    """Never stores the password hash: authentication by password happens in the commands."""

    name = "users"
    consumes = frozenset(
        {
            "User.Created",
            "User.RoleGranted",
            "User.RoleRevoked",
            "User.PasswordChanged",
            "User.Disabled",
            "User.Enabled",
            "User.LoginFailed",
            "User.Locked",
            "User.Unlocked",
            "User.LoggedIn",
        }
    )

    def create(self, tx: Cursor) -> None:
        for statement in DDL:
            tx.execute(statement)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_users")

    def apply(self, tx: Cursor, page: Page) -> None:
        """Folds the page into the users it touches (one SELECT), writes each once."""
        handled = []
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is not None:
                handled.append((handler, event, public_id("user", event.originator_id)))
        if not handled:
            return
        rows = RowSet("rm_users", "id", _COLUMNS)
        rows.load(tx, [user_id for h, _, user_id in handled if h is not _created])
        for handler, event, user_id in handled:
            handler(rows, user_id, event)
            row = rows.get(user_id)
            if row is not None:
                row["updated_at"] = iso(event.timestamp)
        rows.flush(tx)


_COLUMNS = (
    "id",
    "username",
    "email",
    "name",
    "roles",
    "disabled",
    "locked",
    "failed_logins",
    "created_at",
    "updated_at",
    "password_changed_at",
    "last_login",
)
Handler = Callable[[RowSet, str, Any], None]


def _created(rows: RowSet, user_id: str, e: Any) -> None:
    rows.put(
        {
            "id": user_id,
            "username": e.username,
            "email": e.email,
            "name": e.name,
            "roles": dumps(sorted(set(e.roles))),
            "disabled": 0,
            "locked": 0,
            "failed_logins": 0,
            "created_at": iso(e.timestamp),
            "updated_at": iso(e.timestamp),
            "password_changed_at": iso(e.timestamp),
            "last_login": None,
        }
    )


def _roles(change: Callable[[set[str], str], None]) -> Handler:
    def handler(rows: RowSet, user_id: str, e: Any) -> None:
        row = rows.get(user_id)
        if row is not None:
            roles = set(loads(row["roles"]))
            change(roles, e.role)
            row["roles"] = dumps(sorted(roles))

    return handler


def _update(rows: RowSet, user_id: str, **columns: Any) -> None:
    """An UPDATE of the user's row: nothing when it has none."""
    row = rows.get(user_id)
    if row is not None:
        row.update(columns)


def _set(**columns: Any) -> Handler:
    return lambda rows, user_id, e: _update(rows, user_id, **columns)


def _password_changed(rows: RowSet, user_id: str, e: Any) -> None:
    _update(rows, user_id, password_changed_at=iso(e.timestamp))


def _login_failed(rows: RowSet, user_id: str, e: Any) -> None:
    _update(rows, user_id, failed_logins=e.failures)


def _logged_in(rows: RowSet, user_id: str, e: Any) -> None:
    _update(rows, user_id, last_login=iso(e.timestamp), failed_logins=0)


_HANDLERS: dict[str, Handler] = {
    "User.Created": _created,
    "User.RoleGranted": _roles(set.add),
    "User.RoleRevoked": _roles(set.discard),
    "User.PasswordChanged": _password_changed,
    "User.Disabled": _set(disabled=1),
    "User.Enabled": _set(disabled=0),
    "User.LoginFailed": _login_failed,
    "User.Locked": _set(locked=1),
    "User.Unlocked": _set(locked=0, failed_logins=0),
    "User.LoggedIn": _logged_in,
}
