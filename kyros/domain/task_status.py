"""The task status state machine: which transitions exist, and nothing else."""

from __future__ import annotations

from kyros.domain.errors import InvalidState

# pending: created, not yet submitted. waiting: submitted, dependencies not yet completed.
# queued: claimable by an agent of its role. awaiting_approval: held for an escalation decision.
_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"waiting", "queued", "awaiting_approval", "in_progress", "cancelled"}),
    "waiting": frozenset({"queued", "awaiting_approval", "cancelled"}),
    "queued": frozenset({"in_progress", "awaiting_approval", "cancelled"}),
    "awaiting_approval": frozenset({"queued", "cancelled"}),
    "in_progress": frozenset({"completed", "failed", "queued", "cancelled"}),
    "failed": frozenset({"queued", "waiting", "awaiting_approval"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}

TERMINAL = frozenset(s for s, targets in _TRANSITIONS.items() if not targets)


def can_transition(current: str, target: str) -> bool:
    return target in _TRANSITIONS[current]


def check_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        allowed = ", ".join(sorted(_TRANSITIONS[current])) or "none (final state)"
        raise InvalidState(
            f"A task that is {current} cannot become {target}; allowed: {allowed}",
            field="status",
        )
