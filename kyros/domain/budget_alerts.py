"""The alert a budget ledger's crossing raises: its type, severity and wording."""

from __future__ import annotations

from datetime import date

from kyros.domain.alert import Alert
from kyros.domain.budget import BudgetSpec
from kyros.domain.budget_ledger import Crossing
from kyros.ids import parse_id


def crossing_alert(crossing: Crossing, budget_id: str, spec: BudgetSpec, start: date) -> Alert:
    """`budget_threshold` (a warning) when committed spend reached the threshold,
    `cost_overrun` (an error on a hard budget) when settled spend went past the limit."""
    base = {
        "budget_id": budget_id,
        "budget_name": spec.name,
        "period": spec.period,
        "period_start": start.isoformat(),
        "enforcement": spec.enforcement,
        "budget": spec.limit,
    }
    label = spec.period.capitalize()
    if crossing.kind == "overrun":
        overrun = crossing.spent - spec.limit
        share = f"{overrun / spec.limit * 100:.0f}%" if spec.limit else f"{overrun} USD"
        return Alert(
            alert_id=parse_id("alert", crossing.alert_id),
            alert_type="cost_overrun",
            severity="error" if spec.enforcement == "hard" else "warning",
            message=f"{label} cost exceeded budget {spec.name!r} by {share}",
            details={**base, "actual": crossing.spent, "overrun": overrun},
            actor="system",
        )
    share = crossing.committed / spec.limit * 100
    return Alert(
        alert_id=parse_id("alert", crossing.alert_id),
        alert_type="budget_threshold",
        severity="warning",
        message=f"{label} budget {spec.name!r} is {share:.0f}% committed",
        details={**base, "committed": crossing.committed, "threshold": spec.alert_threshold},
        actor="system",
    )
