"""`logged_past` reads the recorder's own table: pinned here on both stores."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from kyros.bootstrap import Kyros
from kyros.commands.api_keys import issue_api_key
from kyros.domain.api_key import ApiKey
from kyros.domain.user import User
from kyros.store.log_sql import EVENTS_TABLE, logged_past

KEY_CREATED = (get_topic(ApiKey.Created),)


def newer(kyros: Kyros, topics: tuple[str, ...], read_model: str = "api_keys") -> bool:
    sql, params = logged_past(kyros.db.dialect, (read_model,), topics)
    with kyros.db.transaction(write=False) as tx:
        row = tx.execute(f"SELECT {sql} AS newer", params).fetchone()
    return bool(row and row["newer"])


def test_the_events_table_is_the_recorders(kyros: Kyros) -> None:
    recorder = kyros.app.recorder
    assert recorder.events_table_name == EVENTS_TABLE[kyros.db.dialect]  # type: ignore[attr-defined]


def test_an_event_of_the_topics_past_the_read_models_position_counts(kyros: Kyros) -> None:
    kyros.engine.catch_up("api_keys", 500)
    assert not newer(kyros, KEY_CREATED)

    issue_api_key(kyros.app, name="k", role="viewer", actor="test")

    assert newer(kyros, KEY_CREATED)
    assert not newer(kyros, (get_topic(User.Created),))  # another kind of event
    kyros.engine.catch_up("api_keys", 500)
    assert not newer(kyros, KEY_CREATED)


def test_a_read_model_without_a_position_has_applied_nothing(kyros: Kyros) -> None:
    issue_api_key(kyros.app, name="k", role="viewer", actor="test")
    assert newer(kyros, KEY_CREATED, read_model="no_such_read_model")
