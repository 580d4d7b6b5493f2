"""What a command does when a concurrent save wins the race for an aggregate's next version.

A policy re-runs the whole load → decide → save, so every attempt re-checks everything
against fresh aggregates; the executor applies the policy a command is registered with.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from kyros.domain.errors import Conflict

T = TypeVar("T")
Policy = Callable[[Callable[[], T]], T]

# Held around each attempt of a budget-touching command: threads of one process take turns
# instead of racing for a ledger's next version (writes serialise in the store anyway), so only
# another process's write can still cause a retry.
_TURNS = threading.RLock()


def once(attempt: Callable[[], T]) -> T:
    """A lost race is the caller's answer (409), or the handler decides what it means."""
    return attempt()


def rerun(attempt: Callable[[], T], attempts: int = 5) -> T:
    """For short races, often with the same agent's heartbeat or a twin first login."""
    for _ in range(attempts - 1):
        try:
            return attempt()
        except Conflict:
            continue
    return attempt()


def take_turns(attempt: Callable[[], T], attempts: int = 60) -> T:
    """For budget-touching commands: every dispatch against one budget writes its ledger, so
    attempts in this process take turns and a conflict backs off with jitter before re-running."""
    for tried in range(attempts - 1):
        try:
            with _TURNS:
                return attempt()
        except Conflict:
            time.sleep(random.uniform(0, 0.002 * min(tried + 1, 10)))  # noqa: S311 (jitter)
    with _TURNS:
        return attempt()
