"""The token families read model: which login sessions are still live, checked per request."""

from __future__ import annotations

from kyros.ids import public_id
from kyros.projections.engine import Page
from kyros.projections.rowset import RowSet
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
        """Folds the page into the families it touches (one SELECT), writes each once."""
        handled = [
            (kind, event, public_id("fam", event.originator_id))
            for _, event in page
            if (kind := type(event).__qualname__) in ("TokenFamily.Started", "TokenFamily.Revoked")
        ]
        if not handled:
            return
        rows = RowSet("rm_token_families", "id", _COLUMNS)
        rows.load(tx, [family for kind, _, family in handled if kind == "TokenFamily.Revoked"])
        for kind, e, family_id in handled:
            if kind == "TokenFamily.Started":
                rows.put(
                    {
                        "id": family_id,
                        "user_id": e.user_id,
                        "started_at": iso(e.timestamp),
                        "revoked_at": None,
                        "revoked_reason": None,
                    }
                )
            elif (row := rows.get(family_id)) is not None:
                row.update(revoked_at=iso(e.timestamp), revoked_reason=e.reason)
        rows.flush(tx)


_COLUMNS = ("id", "user_id", "started_at", "revoked_at", "revoked_reason")
