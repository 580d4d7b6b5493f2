"""When an escalation needs a person: the configured rules, as one pure decision."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class EscalationFacts:
    """`confidence` is routing's confidence that the premium model is needed."""

    confidence: float
    estimated_cost: Decimal
    escalations_today: int
    budget_absorbs: bool


@dataclass(frozen=True)
class RuleOutcome:
    auto_approve: bool
    explanation: str


def decide_automatically(rules: dict[str, Any], facts: EscalationFacts) -> RuleOutcome:
    """Auto-approve only when every rule allows it; the explanation names each that did not.

    The daily maximum and the budget bind even when `approval_required` is off: they are
    limits on unattended premium spend.
    """
    refusals = []
    if not facts.budget_absorbs:
        refusals.append("a budget cannot absorb the estimate")
    if facts.escalations_today >= rules["max_daily_escalations"]:
        refusals.append(f"{facts.escalations_today} escalations today reach the daily maximum")
    if rules["approval_required"]:
        threshold = Decimal(str(rules["auto_approve_threshold"]))
        if Decimal(str(facts.confidence)) < threshold:
            refusals.append(f"confidence {facts.confidence} is below {threshold}")
        if facts.estimated_cost > rules["cost_threshold"]:
            refusals.append(
                f"estimate {facts.estimated_cost} exceeds the {rules['cost_threshold']} threshold"
            )
    if refusals:
        return RuleOutcome(False, "approval required: " + "; ".join(refusals))
    reason = "approval not required" if not rules["approval_required"] else "within every rule"
    return RuleOutcome(True, f"auto-approved: {reason}")
