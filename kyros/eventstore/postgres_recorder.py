"""The PostgreSQL recorder whose append is one statement, so one round trip, like a raw INSERT."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.errors import LockNotAvailable
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from kyros.connections.unavailable import StoreUnavailable


class OneTripRecorder(PostgresApplicationRecorder):
    """Appends through a server-side function that takes the table lock, notifies and inserts.

    The library's append is a pipelined transaction (BEGIN, lock, NOTIFY, INSERT, then COMMIT)
    that psycopg syncs several times: a round trip each, and the table lock held across them.
    One autocommit `SELECT` of the function is one implicit transaction: the same lock (so log
    order is still commit order, and the library's own writers still exclude it), the same
    NOTIFY, the same rows, one round trip, and the lock held only while the server works. A
    failed append (a version conflict) rolls itself back, leaving the connection idle.

    A lock timeout (a writer elsewhere holds the log) is `StoreUnavailable`, which the library
    does not retry: ten more waits would multiply the bound.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema, table = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        function = Identifier(f"{self.events_table_name}_append")
        # Taken while the schema is created: processes starting together would otherwise race
        # on replacing the function ("tuple concurrently updated").
        self._create_lock = SQL("SELECT pg_advisory_xact_lock(hashtext({0}))").format(
            f"{self.datastore.schema}.{self.events_table_name}"
        )
        # Two bodies, one append: a batch's events as an array of the stored-event type, or one
        # event as four plain parameters (a lone caller's append; psycopg dumps an array of
        # composites in Python, ~60 us, against a few us for the four).
        one = Identifier(f"{self.events_table_name}_append_one")
        for name, parameters, rows in (
            (function, "events {schema}.{event}[]", "SELECT {columns} FROM unnest(events)"),
            (one, "{columns_typed}", "VALUES (originator_id, originator_version, topic, state)"),
        ):
            self.sql_create_statements.append(
                SQL(
                    "CREATE OR REPLACE FUNCTION {schema}.{function}"
                    "(" + parameters + ", lock_wait text) RETURNS SETOF bigint"
                    " LANGUAGE plpgsql AS $BODY$ BEGIN"
                    " PERFORM set_config('lock_timeout', lock_wait, true);"
                    " LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;"
                    " NOTIFY {channel};"
                    " RETURN QUERY INSERT INTO {schema}.{table} ({columns}) " + rows + ""
                    " RETURNING notification_id;"
                    " END $BODY$"
                ).format(
                    schema=schema,
                    function=name,
                    event=Identifier(self.stored_event_type_name),
                    table=table,
                    channel=Identifier(self.channel_name),
                    columns=SQL("originator_id, originator_version, topic, state"),
                    columns_typed=SQL(
                        "originator_id uuid, originator_version bigint, topic text, state bytea"
                    ),
                )
            )
        # Rendered once; the events go in binary (no escaping of each state's bytes as text).
        self._append = (
            SQL("SELECT * FROM {schema}.{function}(%b, %s)")
            .format(schema=schema, function=function)
            .as_bytes()
        )
        self._append_one = (
            SQL("SELECT * FROM {schema}.{function}(%s, %s, %s, %b, %s)")
            .format(schema=schema, function=one)
            .as_bytes()
        )
        self._lock_wait = f"{self.datastore.lock_timeout}s"

    def _create_table(self, curs: Any) -> None:
        curs.execute(self._create_lock)
        super()._create_table(curs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **_: Any) -> Sequence[int]:
        """As the library's application recorder, which ignores the save's other arguments."""
        if not stored_events:
            return []
        if len(stored_events) == 1:
            e = stored_events[0]
            query = self._append_one
            params: tuple[Any, ...] = (
                e.originator_id, e.originator_version, e.topic, e.state, self._lock_wait
            )  # fmt: skip
        else:
            make = self.datastore.psycopg_python_types[self.stored_event_type_name]
            events = [
                make(e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events
            ]
            query, params = self._append, (events, self._lock_wait)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            try:
                cur.execute(query, params, prepare=True)
            except LockNotAvailable as exc:
                raise StoreUnavailable(
                    f"the event log stayed locked by another writer for {self._lock_wait}"
                ) from exc
            return [row[0] for row in cur.fetchall()]
