"""The choices list filters accept, for the OpenAPI document (the tuples the code checks)."""

from __future__ import annotations

import re
from typing import Any

from kyros.domain.alert import ALERT_TYPES, SEVERITIES
from kyros.domain.alert import STATUSES as ALERT_STATUSES
from kyros.domain.event_catalogue import ENTITY_KINDS, TYPE_PATTERNS
from kyros.domain.vocabulary import PRIORITIES, ROLES, TASK_STATUSES, TASK_TYPES
from kyros.queries.cost_ledger import OUTCOMES
from kyros.queries.costs import GROUPS
from kyros.queries.metrics import METRICS
from kyros.queries.periods import CALENDAR
from kyros.queries.windows import COST_PERIODS, GRANULARITIES, METRIC_PERIODS

ESCALATION_STATUSES = (
    "pending_approval",
    "approved",
    "rejected",
    "expired",
    "withdrawn",
    "completed",
    "pending",  # an alias of pending_approval
)
LISTS: dict[tuple[str, str], tuple[str, ...]] = {  # comma-separated, 1 to 20 of the choices
    ("ListTasks", "status"): TASK_STATUSES,
    ("ListTasks", "type"): TASK_TYPES,
    ("ListTasks", "priority"): PRIORITIES,
    ("ListTasks", "assignee_role"): ROLES,
    ("GetAlerts", "status"): ALERT_STATUSES,
    ("GetAlerts", "severity"): SEVERITIES,
    ("GetAlerts", "type"): ALERT_TYPES,
    ("ListEscalations", "status"): ESCALATION_STATUSES,
    ("GetPerformanceMetrics", "metrics"): tuple(METRICS),
    ("GetCostAnalysis", "group_by"): tuple(GROUPS),
    ("ListEvents", "type"): TYPE_PATTERNS,
    ("ListEvents", "entity_kind"): ENTITY_KINDS,
    **{
        (operation, name): choices
        for operation in ("GetCostLedger", "ExportCostLedger")
        for name, choices in (("role", ROLES), ("task_type", TASK_TYPES), ("outcome", OUTCOMES))
    },
}
ONE_OF: dict[tuple[str, str], tuple[str, ...]] = {
    ("GetPerformanceMetrics", "period"): (*METRIC_PERIODS, *CALENDAR),
    ("GetPerformanceMetrics", "granularity"): tuple(GRANULARITIES),
    ("GetCostAnalysis", "period"): (*COST_PERIODS, *CALENDAR),
}
INSTANTS = frozenset({("ListEvents", "from"), ("ListEvents", "to")})  # RFC 3339


def list_pattern(choices: tuple[str, ...]) -> str:
    """What `choices()` accepts: names split on commas, blanks around them and empty entries
    ignored, at least one and at most 20."""
    one = "(?:" + "|".join(re.escape(c) for c in choices) + ")"
    return rf"^[\s,]*{one}(?:\s*,[\s,]*{one}){{0,19}}[\s,]*$"


def constrain(operation_id: str, parameter: dict[str, Any]) -> None:
    key = (operation_id, parameter.get("name", ""))
    schema = parameter.setdefault("schema", {})
    if key in LISTS:
        schema["pattern"] = list_pattern(LISTS[key])
        parameter["description"] = "Comma-separated, any of: " + ", ".join(LISTS[key])
    elif key in ONE_OF:
        schema.pop("maxLength", None)
        schema["enum"] = list(ONE_OF[key])
    elif key in INSTANTS:
        schema["format"] = "date-time"
