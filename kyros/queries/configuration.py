"""Configuration queries: the read model, or the spec's defaults before any change."""

from __future__ import annotations

import copy
from typing import Any

from kyros.domain.configuration import DEFAULTS
from kyros.projections.jsondoc import loads
from kyros.store.database import Database


def get_configuration(db: Database) -> dict[str, Any]:
    with db.transaction(write=False) as tx:
        row = tx.execute("SELECT doc FROM rm_configuration WHERE id = 1").fetchone()
    return loads(row["doc"]) if row else copy.deepcopy(DEFAULTS)
