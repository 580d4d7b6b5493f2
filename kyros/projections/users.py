"""The users read model: one row per user, for authentication, listings and /auth/me."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
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
        for _, event in page:
            handler = _HANDLERS.get(type(event).__qualname__)
            if handler is None:
                continue
            user_id = public_id("user", event.originator_id)
            handler(tx, user_id, event)
            tx.execute(
                "UPDATE rm_users SET updated_at = ? WHERE id = ?", (iso(event.timestamp), user_id)
            )


def _created(tx: Cursor, user_id: str, e: Any) -> None:
    tx.execute("DELETE FROM rm_users WHERE id = ?", (user_id,))
    tx.execute(
        "INSERT INTO rm_users (id, username, email, name, roles, disabled, locked, failed_logins,"
        " created_at, updated_at, password_changed_at, last_login)"
        " VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, NULL)",
        (
            user_id,
            e.username,
            e.email,
            e.name,
            dumps(sorted(set(e.roles))),
            iso(e.timestamp),
            iso(e.timestamp),
            iso(e.timestamp),
        ),
    )


def _roles(change: Callable[[set[str], str], None]) -> Callable[[Cursor, str, Any], None]:
    def handler(tx: Cursor, user_id: str, e: Any) -> None:
        row = tx.execute("SELECT roles FROM rm_users WHERE id = ?", (user_id,)).fetchone()
        roles = set(loads(row["roles"])) if row else set()
        change(roles, e.role)
        tx.execute("UPDATE rm_users SET roles = ? WHERE id = ?", (dumps(sorted(roles)), user_id))

    return handler


def _set(**columns: int) -> Callable[[Cursor, str, Any], None]:
    assignments = ", ".join(f"{column} = ?" for column in columns)

    def handler(tx: Cursor, user_id: str, e: Any) -> None:
        tx.execute(f"UPDATE rm_users SET {assignments} WHERE id = ?", (*columns.values(), user_id))

    return handler


def _password_changed(tx: Cursor, user_id: str, e: Any) -> None:
    tx.execute(
        "UPDATE rm_users SET password_changed_at = ? WHERE id = ?", (iso(e.timestamp), user_id)
    )


def _login_failed(tx: Cursor, user_id: str, e: Any) -> None:
    tx.execute("UPDATE rm_users SET failed_logins = ? WHERE id = ?", (e.failures, user_id))


def _logged_in(tx: Cursor, user_id: str, e: Any) -> None:
    tx.execute(
        "UPDATE rm_users SET last_login = ?, failed_logins = 0 WHERE id = ?",
        (iso(e.timestamp), user_id),
    )


_HANDLERS: dict[str, Callable[[Cursor, str, Any], None]] = {
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
