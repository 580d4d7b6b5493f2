"""The token families read model: which login sessions are still live, checked per request."""

from __future__ import annotations

from typing import Any

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.readstore.database import Cursor
from kyros.timefmt import iso

DDL = """
CREATE TABLE IF NOT EXISTS rm_token_families (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_reason TEXT
)
"""


class TokenFamiliesProjection:
    """Rotations are not projected: access tokens name the family, not the refresh token."""

    name = "token_families"
    consumes = frozenset({"TokenFamily.Started", "TokenFamily.Revoked"})

    def create(self, tx: Cursor) -> None:
        tx.execute(DDL)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_token_families")

    def apply(self, tx: Cursor, page: Page) -> None:
        for _, event in page:
            kind = type(event).__qualname__
            if kind == "TokenFamily.Started":
                _started(tx, event)
            elif kind == "TokenFamily.Revoked":
                _revoked(tx, event)


def _started(tx: Cursor, e: Any) -> None:
    family_id = public_id("fam", e.originator_id)
    tx.execute("DELETE FROM rm_token_families WHERE id = ?", (family_id,))
    tx.execute(
        "INSERT INTO rm_token_families (id, user_id, started_at) VALUES (?, ?, ?)",
        (family_id, e.user_id, iso(e.timestamp)),
    )


def _revoked(tx: Cursor, e: Any) -> None:
    tx.execute(
        "UPDATE rm_token_families SET revoked_at = ?, revoked_reason = ? WHERE id = ?",
        (iso(e.timestamp), e.reason, public_id("fam", e.originator_id)),
    )
