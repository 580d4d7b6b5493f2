"""Read-model reads shared by the integration tests (test data: tests/builders)."""

from __future__ import annotations

from typing import Any


def table(db: Any, name: str, order: str) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        return tx.execute(f"SELECT * FROM {name} ORDER BY {order}").fetchall()
