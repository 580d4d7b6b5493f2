"""Identity queries over the users, API keys and token families read models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kyros.domain.permissions import permissions_for
from kyros.eventstore.log_sql import logged_past
from kyros.projections.jsondoc import loads
from kyros.readstore.database import Database, Row

_USER_COLUMNS = (
    "id, username, email, name, roles, disabled, locked, failed_logins,"
    " created_at, updated_at, password_changed_at, last_login"
)
_KEY_COLUMNS = "id, name, prefix, role, created_by, created_at, revoked_by, revoked_at"
_SESSION_USER = (
    "SELECT u.id, u.username, u.roles, u.disabled FROM rm_token_families f"
    " JOIN rm_users u ON u.id = f.user_id"
)
_LIVE_FAMILY = "f.id = ? AND f.user_id = ? AND f.revoked_at IS NULL"


def user_view(row: Row) -> dict[str, Any]:
    roles = loads(row["roles"])
    return {
        "id": row["id"],
        "username": row["username"],
        "email": row["email"],
        "name": row["name"],
        "roles": roles,
        "permissions": sorted(permissions_for(roles)),
        "status": "disabled" if row["disabled"] else "active",
        "locked": bool(row["locked"]),
        "failed_login_attempts": row["failed_logins"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "password_changed_at": row["password_changed_at"],
        "last_login": row["last_login"],
    }


def api_key_view(row: Row) -> dict[str, Any]:
    """Never the digest: after creation a key is only recognisable by its prefix."""
    return {
        "id": row["id"],
        "name": row["name"],
        "prefix": row["prefix"],
        "role": row["role"],
        "status": "revoked" if row["revoked_at"] else "active",
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "revoked_by": row["revoked_by"],
        "revoked_at": row["revoked_at"],
    }


def get_user(db: Database, user_id: str) -> dict[str, Any] | None:
    with db.transaction(write=False) as tx:
        row = tx.execute(
            f"SELECT {_USER_COLUMNS} FROM rm_users WHERE id = ?", (user_id,)
        ).fetchone()
    return user_view(row) if row else None


def list_users(db: Database, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    with db.transaction(write=False) as tx:
        total = tx.execute("SELECT COUNT(*) AS n FROM rm_users").fetchone()
        rows = tx.execute(
            f"SELECT {_USER_COLUMNS} FROM rm_users ORDER BY username, id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
    return [user_view(r) for r in rows], int(total["n"]) if total else 0


def user_id_by_username(db: Database, username: str) -> str | None:
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT id FROM rm_users WHERE username = ?", (username,)).fetchone()
    return str(row["id"]) if row else None


def user_ids_with_email(db: Database, email: str) -> list[str]:
    """Every user with this e-mail address, compared case-insensitively (it is not unique)."""
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            "SELECT id FROM rm_users WHERE lower(email) = lower(?) ORDER BY id", (email,)
        ).fetchall()
    return [str(row["id"]) for row in rows]


def session_user(db: Database, family_id: str, user_id: str) -> Row | None:
    """The user behind a live session; None when the family is revoked, unknown or not theirs."""
    with db.transaction(write=False) as tx:
        return tx.execute(f"{_SESSION_USER} WHERE {_LIVE_FAMILY}", (family_id, user_id)).fetchone()


def session_user_checked(
    db: Database, family_id: str, user_id: str, topics: Sequence[str]
) -> tuple[bool, Row | None]:
    """`session_user`, and whether the log holds an event of `topics` newer than the answer."""
    newer, params = logged_past(db.dialect, ("users", "token_families"), topics)
    with db.transaction(write=False) as tx:
        row = tx.execute(
            f"SELECT s.*, {newer} AS newer FROM (SELECT 1 AS probe) p"
            f" LEFT JOIN ({_SESSION_USER} WHERE {_LIVE_FAMILY}) s ON 1 = 1",
            (*params, family_id, user_id),
        ).fetchone()
    return bool(row and row["newer"]), row if row and row["id"] is not None else None


def api_keys_with_prefix_checked(
    db: Database, prefix: str, topics: Sequence[str]
) -> tuple[bool, list[Row]]:
    """Every key sharing the prefix (collisions are possible), digest included for checking,
    and whether the log holds an event of `topics` newer than the answer."""
    newer, params = logged_past(db.dialect, ("api_keys",), topics)
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            f"SELECT k.id, k.name, k.role, k.key_hash, k.revoked_at, {newer} AS newer"
            " FROM (SELECT 1 AS probe) p LEFT JOIN rm_api_keys k ON k.prefix = ?",
            (*params, prefix),
        ).fetchall()
    return bool(rows and rows[0]["newer"]), [r for r in rows if r["id"] is not None]


def api_key_credential_checked(
    db: Database, key_id: str, topics: Sequence[str]
) -> tuple[bool, Row | None]:
    """One key for authentication, and whether the log holds an event of `topics` newer than
    the answer."""
    newer, params = logged_past(db.dialect, ("api_keys",), topics)
    with db.transaction(write=False) as tx:
        row = tx.execute(
            f"SELECT k.id, k.name, k.role, k.revoked_at, {newer} AS newer"
            " FROM (SELECT 1 AS probe) p LEFT JOIN rm_api_keys k ON k.id = ?",
            (*params, key_id),
        ).fetchone()
    return bool(row and row["newer"]), row if row and row["id"] is not None else None


def get_api_key(db: Database, key_id: str) -> dict[str, Any] | None:
    with db.transaction(write=False) as tx:
        row = tx.execute(
            f"SELECT {_KEY_COLUMNS} FROM rm_api_keys WHERE id = ?", (key_id,)
        ).fetchone()
    return api_key_view(row) if row else None


def list_api_keys(db: Database) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        rows = tx.execute(
            f"SELECT {_KEY_COLUMNS} FROM rm_api_keys ORDER BY created_at, id"
        ).fetchall()
    return [api_key_view(r) for r in rows]


def count_users(db: Database) -> int:
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT COUNT(*) AS n FROM rm_users").fetchone()
    return int(row["n"]) if row else 0
