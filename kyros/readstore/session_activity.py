"""When each login session was last used, kept in SQL so every server process agrees."""

from __future__ import annotations

from datetime import datetime, timedelta

from kyros.readstore.database import Database
from kyros.timefmt import sortable

DDL = """
CREATE TABLE IF NOT EXISTS session_activity (
    family_id TEXT PRIMARY KEY,
    last_seen_at TEXT NOT NULL
)
"""
MAX_RESOLUTION = timedelta(minutes=1)


class SessionActivity:
    """Idle sessions expire; using one (any request with its access token, or a refresh)
    keeps it alive.

    Not an event per request: a session's last use is written at most once per resolution
    (a tenth of the timeout, at most a minute). A session therefore expires between
    `timeout` and `timeout + resolution` after its last use, never before. A session never
    used since login counts from its login (the token family's start in the read model).
    This is operational state, not history: the log records logins, refreshes and the
    revocation of an expired session, not every use.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self) -> None:
        with self.db.transaction() as tx:
            tx.execute(DDL)

    def use(self, family_id: str, at: datetime, timeout: timedelta) -> bool:
        """Records a use at `at`; False, recording nothing, when the session was idle too long."""
        resolution = min(MAX_RESOLUTION, timeout / 10)
        with self.db.transaction(write=False) as tx:
            row = tx.execute(
                "SELECT f.started_at, a.last_seen_at FROM rm_token_families f"
                " LEFT JOIN session_activity a ON a.family_id = f.id WHERE f.id = ?",
                (family_id,),
            ).fetchone()
        if row is None:
            return True  # unknown here: the session checks refuse it on their own
        seen = [datetime.fromisoformat(row["started_at"])]
        if row["last_seen_at"]:
            seen.append(datetime.fromisoformat(row["last_seen_at"]))
        idle = at - max(seen)
        if idle >= timeout + resolution:
            return False
        if idle >= resolution:  # a write only once per resolution, not per request
            with self.db.transaction() as tx:
                tx.execute(
                    "INSERT INTO session_activity (family_id, last_seen_at) VALUES (?, ?)"
                    " ON CONFLICT (family_id) DO UPDATE SET last_seen_at = excluded.last_seen_at"
                    " WHERE session_activity.last_seen_at < excluded.last_seen_at",
                    (family_id, sortable(at)),
                )
        return True
