"""Decodes JSON request bodies strictly: `0` is not a boolean, nor a date-time, nor `"5"` a number.

Litestar converts a handler's arguments (query strings and the body alike) in msgspec's lax mode,
where 0 and 1 pass as booleans and integers as Unix timestamps, so `"deadline": 0` became 1970.
This `before_request` hook decodes the body against the handler's `data` type in strict mode
first; what it refuses never reaches the handler, named like any other validation error.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import BodyKwarg

from kyros.http.text_guard import refuse_unstorable

_decoders: WeakKeyDictionary[Any, msgspec.json.Decoder[Any] | None] = WeakKeyDictionary()


async def strict_json_body(request: Request[Any, Any, Any]) -> None:
    decoder = _decoder(request.route_handler)
    if decoder is None:
        return
    body = await request.body()
    if not body.strip():
        return  # an absent body is the handler's to accept (optional) or refuse
    try:
        if b"\\u" in body:  # text no store can hold is named before any other rule
            refuse_unstorable(body, msgspec.json.decode(body))
        decoder.decode(body)
    except msgspec.ValidationError as refused:
        detail = {"message": str(refused), "key": "data", "source": "body"}
        raise ValidationException(detail=str(refused), extra=[detail]) from None
    except msgspec.DecodeError:
        return  # malformed JSON: Litestar's own decoding reports it as before


def _decoder(handler: Any) -> msgspec.json.Decoder[Any] | None:
    """A strict decoder for the handler's JSON `data` type; None when it takes no JSON body or
    the type is not one msgspec decodes by itself. Built once per handler."""
    if handler in _decoders:
        return _decoders[handler]
    decoder = None
    field = handler.parsed_fn_signature.parameters.get("data")
    kwarg = getattr(field, "kwarg_definition", None)
    is_json = not isinstance(kwarg, BodyKwarg) or kwarg.media_type == RequestEncodingType.JSON
    if field is not None and is_json:
        try:
            decoder = msgspec.json.Decoder(field.annotation, strict=True)
        except TypeError:
            decoder = None
    _decoders[handler] = decoder
    return decoder
