"""Task dependency rules: no self-reference, no cycles."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kyros.domain.errors import DomainError


def check_no_cycle(
    task_id: str, dependencies: Iterable[str], deps_of: Callable[[str], list[str]]
) -> None:
    """Walks the graph from the proposed dependencies; reaching `task_id` again is a cycle."""
    seen: set[str] = set()
    stack = list(dependencies)
    while stack:
        current = stack.pop()
        if current == task_id:
            raise DomainError("would create a dependency cycle", field="dependencies")
        if current not in seen:
            seen.add(current)
            stack.extend(deps_of(current))
