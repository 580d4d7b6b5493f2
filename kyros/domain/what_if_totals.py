"""Exact cost totals of replayed work, by model, role, task type and UTC day."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

DIMENSIONS = ("model", "role", "task_type", "day")
MAX_LISTED = 100  # tasks listed per scenario (route changes, escalations); counts are whole


class Totals:
    """Decimal sums, so the same attempts always give the same figures to the last digit."""

    def __init__(self) -> None:
        self.cost = Decimal(0)
        self.attempts = 0
        self.by: dict[str, dict[str, list[Any]]] = {name: {} for name in DIMENSIONS}

    def add(self, keys: dict[str, str], cost: Decimal) -> None:
        self.cost += cost
        self.attempts += 1
        for name in DIMENSIONS:
            cell = self.by[name].setdefault(keys[name], [Decimal(0), 0])
            cell[0] += cost
            cell[1] += 1

    def view(self) -> dict[str, Any]:
        return {
            "total_cost": self.cost,
            "attempts": self.attempts,
            **{
                f"by_{name}": {
                    key: {"cost": cell[0], "attempts": cell[1]}
                    for key, cell in sorted(self.by[name].items())
                }
                for name in DIMENSIONS
            },
        }


def savings(actual: Decimal, scenario: Decimal) -> dict[str, Any]:
    """What the scenario saves (negative when it costs more), and as a percent of actual."""
    saved = actual - scenario
    percent = None if actual == 0 else (saved * 100 / actual).quantize(Decimal("0.01"))
    return {"savings": saved, "savings_percent": percent}


class Listed:
    """A count and the first MAX_LISTED items, in replay order."""

    def __init__(self) -> None:
        self.count = 0
        self.items: list[Any] = []

    def add(self, item: Any) -> None:
        self.count += 1
        if len(self.items) < MAX_LISTED:
            self.items.append(item)
