"""GET /v1/tasks/{id} answers the stored fields' JSON as stored: the very bytes that decoding the
document and encoding its public view again gave."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from kyros.projections.jsondoc import dumps, loads
from kyros.queries.tasks import public_view, task_document

_ENVELOPE = msgspec.json.Encoder(decimal_format="number")  # kyros.http.envelope's


def test_stored_fields_encode_as_the_decoded_public_view_did() -> None:
    doc = {
        "id": "task_01",
        "title": 'Ünïcode "quoted" \\ \u2028 and <tags>',
        "_created_sort": "2024-01-01T00:00:00.000000Z",
        "estimated_hours": Decimal("8.50"),
        "metadata": {"cost": Decimal("0.000123"), "_kept": [1, 2.5, None, True]},
        "tags": ["a", "b"],
        "progress": None,
        "version": 3,
        "_updated_sort": None,
    }
    stored = dumps(doc)

    answered = _ENVELOPE.encode({"data": task_document({"doc": stored})})

    assert answered == _ENVELOPE.encode({"data": public_view(loads(stored))})
    assert b"_created_sort" not in answered and b'"_kept"' in answered  # top level only


def test_no_row_is_no_task() -> None:
    assert task_document(None) is None
