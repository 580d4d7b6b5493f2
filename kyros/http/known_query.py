"""Which query parameters a route knows, read from its handler's signature as Litestar parses it.

A parameter nobody reads (`?as_of=`, `?from=`, `?format=csv`) used to be ignored silently, so a
caller got an answer to a question it did not ask; it is refused instead, naming the parameter.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from weakref import WeakKeyDictionary

from litestar.types import Scope

_UNCHECKED_METHODS = ("OPTIONS",)  # a CORS preflight repeats the actual request's query

Names = tuple[frozenset[str], frozenset[str]]  # known, and those that may be given repeatedly
_known: WeakKeyDictionary[Any, dict[frozenset[str], Names]] = WeakKeyDictionary()


def unknown_query_refusal(scope: Scope, names: list[str]) -> dict[str, str] | None:
    """`details` for the first parameter the route does not take, or taken more than once
    though it is not a list; None when the query is fine (or the route is not checked)."""
    handler = scope.get("route_handler")
    if not names or handler is None or scope["method"] in _UNCHECKED_METHODS:
        return None
    if not handler.resolve_include_in_schema():
        return None  # outside the API contract: the docs (Swagger's OAuth2 redirect), assets
    known, lists = _parameters(handler, frozenset(scope.get("path_params") or {}))
    for name in names:
        if name not in known:
            accepted = ", ".join(sorted(known)) or "none"
            return {"field": name, "issue": f"Unknown query parameter (accepted: {accepted})"}
    for name, count in Counter(names).items():
        if count > 1 and name not in lists:
            return {"field": name, "issue": "Must be given once"}
    return None


def _parameters(handler: Any, path_params: frozenset[str]) -> Names:
    """Known and list-valued names, from the same model Litestar fills the handler's arguments
    with (dependencies' parameters included); built once per route handler."""
    per_path = _known.setdefault(handler, {})
    if path_params not in per_path:
        model = handler.create_kwargs_model(path_parameters=dict.fromkeys(path_params))
        known = frozenset(p.field_alias for p in model.expected_query_params)
        per_path[path_params] = (known, frozenset(model.sequence_query_parameter_names))
    return per_path[path_params]
