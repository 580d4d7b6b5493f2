"""Strict reading of application/x-www-form-urlencoded bodies (OAuth2-style endpoints)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Request

from kyros.domain.errors import DomainError
from kyros.domain.text import UNSTORABLE_ISSUE, is_storable

FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 20


class UnsupportedMediaType(DomainError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415


async def read_form(request: Request[Any, Any, Any], limits: dict[str, int]) -> dict[str, str]:
    """The fields named in `limits` (name → longest length) that were sent; others are ignored
    (RFC 6749 §3.2), a known one sent twice is refused (RFC 6749 §3.1)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != FORM:
        raise UnsupportedMediaType(f"Must be {FORM}", field="Content-Type")
    try:
        pairs = parse_qsl(
            (await request.body()).decode("ascii"),
            keep_blank_values=True,
            max_num_fields=MAX_FIELDS,
            errors="strict",
        )
    except ValueError:  # non-ASCII body, bad UTF-8 escapes or too many fields
        raise DomainError("Malformed form body", field="body") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name not in limits:
            continue
        if name in form:
            raise DomainError("Must be sent only once", field=name)
        if not is_storable(value):
            raise DomainError(UNSTORABLE_ISSUE, field=name)
        if len(value) > limits[name]:
            raise DomainError(f"Must be at most {limits[name]} characters", field=name)
        form[name] = value
    return form


def required(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise DomainError("Field required", field=name)
    return value
