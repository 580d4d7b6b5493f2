"""Configuration queries: the read model, or the spec's defaults before any change."""

from __future__ import annotations

from typing import Any

from kyros.domain.configuration import with_defaults
from kyros.projections.jsondoc import loads
from kyros.readstore.database import Database


def get_configuration(db: Database) -> dict[str, Any]:
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT doc FROM rm_configuration WHERE id = 1").fetchone()
    return with_defaults(loads(row["doc"]) if row else {})
