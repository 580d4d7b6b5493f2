"""Where one caller's append goes on PostgreSQL: the same event written six ways, one step apart.

From a bare INSERT to a whole create-task command, each row adds one thing, so the difference
between neighbours is that thing's cost per append (rounds interleaved, medians):

1. `INSERT` of the stored event, autocommit (the write rows' baseline);
2. the same INSERT inside a plpgsql function (Kyros appends through one);
3. + `LOCK TABLE … IN EXCLUSIVE MODE` (log order = commit order);
4. + `NOTIFY` (wakes the other processes following the log);
5. Kyros's recorder appending that stored event (pool checkout, watchdog, binary composite);
6. the create-task command (build the aggregate, encode, group commit, then 5).

    .venv/bin/python scripts/bench_append_split.py [--database-url URL] [--seconds 2 --rounds 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import psycopg
from benchkit.stores import fresh_database
from benchkit.writes import command, sample_event
from eventsourcing.persistence import StoredEvent
from ulid import ULID

from kyros.bootstrap import Kyros
from kyros.commands.tasks import create_task
from kyros.settings import Settings

DDL = (
    "CREATE TABLE split_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
    " topic text, state bytea, notification_id bigserial,"
    " PRIMARY KEY (originator_id, originator_version))",
    "CREATE UNIQUE INDEX split_events_position ON split_events (notification_id)",
)
INSERT = (
    "INSERT INTO split_events (originator_id, originator_version, topic, state)"
    " VALUES ({0}, 1, {1}, {2}) RETURNING notification_id"
)


def function(name: str, before: str) -> str:
    body = INSERT.format("id", "t", "s")
    return (
        f"CREATE FUNCTION {name}(id uuid, t text, s bytea) RETURNS SETOF bigint LANGUAGE plpgsql"
        f" AS $$ BEGIN {before} RETURN QUERY {body}; END $$"
    )


FUNCTIONS = {
    "in a function": function("split_plain", ""),
    "+ LOCK TABLE": function("split_locked", "LOCK TABLE split_events IN EXCLUSIVE MODE;"),
    "+ NOTIFY": function(
        "split_notified", "LOCK TABLE split_events IN EXCLUSIVE MODE; NOTIFY split_events;"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=2.0, help="per run")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with fresh_database(args.database_url) as url:
        settings = Settings(
            data_dir=Path(tempfile.mkdtemp(prefix="kyros-split-")), database_url=url
        )
        with Kyros(settings) as kyros, psycopg.connect(url, autocommit=True) as conn:
            for statement in (*DDL, *FUNCTIONS.values()):
                conn.execute(statement)
            topic, state = sample_event(kyros)
            recorder = kyros.app.recorder
            sql = {"INSERT": INSERT.format("%s", "%s", "%s")}
            for label, ddl in FUNCTIONS.items():
                sql[label] = f"SELECT * FROM {ddl.split()[2].split('(')[0]}(%s, %s, %s)"

            def statement(query: str) -> Callable[[], object]:
                return lambda: conn.execute(query, (ULID().to_uuid(), topic, state), prepare=True)

            ops: dict[str, Callable[[], object]] = {k: statement(q) for k, q in sql.items()}
            ops["Kyros recorder"] = lambda: recorder.insert_events(
                [StoredEvent(ULID().to_uuid(), 1, topic, state)]
            )
            ops["create-task command"] = lambda: create_task(kyros.app, command())
            rates: dict[str, list[float]] = {label: [] for label in ops}
            for round_no in range(1, args.rounds + 1):
                for label, op in ops.items():
                    rates[label].append(run(op, args.seconds))
                print(f"round {round_no}: " + ", ".join(f"{v[-1]:,.0f}" for v in rates.values()))
    print(f"\n{'one caller, PostgreSQL':<24} {'appends/s':>10} {'µs each':>8} {'step':>7}")
    before = None
    for label, values in rates.items():
        micros = 1e6 / median(values)
        step = "" if before is None else f"{micros - before:+7.0f}"
        print(f"{label:<24} {median(values):>10,.0f} {micros:>8.0f} {step:>7}")
        before = micros


def run(op: Callable[[], object], seconds: float) -> float:
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        op()
        count += 1
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
