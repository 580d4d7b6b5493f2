"""The configuration read model: the current settings as one JSON document."""

from __future__ import annotations

from kyros.projections.engine import Page
from kyros.projections.jsondoc import dumps, loads
from kyros.readstore.database import Cursor

DDL = "CREATE TABLE IF NOT EXISTS rm_configuration (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)"


class ConfigurationProjection:
    name = "configuration"
    consumes = frozenset({"Configuration.Initialised", "Configuration.Changed"})

    def create(self, tx: Cursor) -> None:
        tx.execute(DDL)

    def clear(self, tx: Cursor) -> None:
        tx.execute("DELETE FROM rm_configuration")

    def apply(self, tx: Cursor, page: Page) -> None:
        """Follows the page's changes in memory; the document is written once per page."""
        settings: dict | None = None
        for _, event in page:
            kind = type(event).__qualname__
            if kind == "Configuration.Initialised":
                settings = event.settings
            elif kind == "Configuration.Changed":
                # through the stored form, as when each event was written on its own
                settings = loads(dumps(settings)) if settings is not None else _current(tx)
                for path, change in event.changes.items():
                    section, key = path.split(".", 1)
                    settings[section][key] = change["new"]
        if settings is not None:
            tx.execute("DELETE FROM rm_configuration WHERE id = 1")
            tx.execute("INSERT INTO rm_configuration (id, doc) VALUES (1, ?)", (dumps(settings),))


def _current(tx: Cursor) -> dict:
    row = tx.execute("SELECT doc FROM rm_configuration WHERE id = 1").fetchone()
    return loads(row["doc"]) if row else {}
