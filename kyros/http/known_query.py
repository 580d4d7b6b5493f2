"""Which query parameters a route knows, read from its handler's signature as Litestar parses it.

A parameter nobody reads (`?as_of=`, `?from=`, `?format=csv`) used to be ignored silently, so a
caller got an answer to a question it did not ask; it is refused instead, naming the parameter.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from litestar.types import Scope

# Routes outside the API contract take what their own clients send (Swagger UI's OAuth2
# redirect page, asset cache-busting); OPTIONS preflights repeat the actual request's query.
_UNCHECKED_METHODS = ("OPTIONS",)

_known: dict[tuple[int, frozenset[str]], tuple[Any, frozenset[str], frozenset[str]]] = {}


def unknown_query_refusal(scope: Scope, names: list[str]) -> dict[str, str] | None:
    """`details` for the first parameter the route does not take, or taken more than once
    though it is not a list; None when the query is fine (or the route is not checked)."""
    handler = scope.get("route_handler")
    if handler is None or scope["method"] in _UNCHECKED_METHODS:
        return None
    if not handler.resolve_include_in_schema():
        return None
    known, lists = _parameters(handler, frozenset(scope.get("path_params") or {}))
    for name in names:
        if name not in known:
            accepted = ", ".join(sorted(known)) or "none"
            return {"field": name, "issue": f"Unknown query parameter (accepted: {accepted})"}
    for name, count in Counter(names).items():
        if count > 1 and name not in lists:
            return {"field": name, "issue": "Must be given once"}
    return None


def _parameters(handler: Any, path_params: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """Known and list-valued names, from the same model Litestar fills the handler's arguments
    with (dependencies' parameters included); built once per route handler."""
    key = (id(handler), path_params)
    cached = _known.get(key)
    if cached is None or cached[0] is not handler:
        model = handler.create_kwargs_model(path_parameters=dict.fromkeys(path_params))
        known = frozenset(p.field_alias for p in model.expected_query_params)
        cached = _known[key] = (handler, known, frozenset(model.sequence_query_parameter_names))
    return cached[1], cached[2]
