"""The whole performance table of issue #14 in one run, each Kyros figure beside its baseline.

For each store (PostgreSQL when reachable, then SQLite) in a throwaway database:
1. writes: Kyros create-task commands beside raw INSERT+COMMIT, 1 and 16 threads, interleaved;
2. a seeded log (tasks saved in batches), then rebuilds of the tasks and analytics read models
   beside a raw paged SELECT + decode of the same rows, then a catch-up of every read model;
3. `kyros serve` on that store: WebSocket append→receive latency with many sockets, GET
   /v1/tasks/{id} beside a bare Litestar route serving the same bytes (same uvicorn options,
   same load generator, interleaved), POST /v1/tasks, RSS before and after the load; on
   PostgreSQL also `--workers 2` beside `--workers 1`, interleaved.

`--quick` seeds 20k events and runs short rounds (a few minutes); the default seeds 1M events
(tens of minutes). `--only-get` seeds, then measures only the GET row beside its baseline.
Figures are medians over `--rounds` interleaved rounds; the machine is shared, so read the
min..max spreads printed along the way.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import bench_fanout
import httpx
import psycopg
from benchkit import load, machine
from benchkit.credentials import admin_key
from benchkit.report import Row, latency, print_table, rate
from benchkit.seeding import (
    PAGE,
    catch_up_all,
    decode_events,
    decode_states,
    raw_select,
    rebuild,
    seed,
)
from benchkit.servers import Process, bare_route, kyros_serve
from benchkit.stats import median, spread
from benchkit.stores import Store, temporary_store
from benchkit.writes import (
    Writer,
    kyros_writer,
    measure,
    pg_raw_writer,
    sample_event,
    sqlite_raw_writer,
)
from rich.console import Console

from kyros.bootstrap import Kyros

WS_ENV = {"KYROS_WS_QUEUE_SIZE": "10000"}  # a 1,000-socket burst must not trip slow-consumer
TASK_BODY = b'{"title": "Benchmark task", "description": "Posted by scripts/bench.py"}'


@dataclass(frozen=True)
class Plan:
    events: int
    write_seconds: float
    http_seconds: float
    rounds: int
    sockets: int
    ws_events: int
    ws_interval: float
    only_get: bool = False  # seed, then GET beside the bare route: nothing else
    rebuilds_only: bool = False  # the rebuild and catch-up rows: no writes, no server


QUICK = Plan(20_000, 2.0, 4.0, 2, 1000, 8, 0.3)
FULL = Plan(1_000_000, 5.0, 10.0, 3, 1000, 20, 0.5)


@dataclass
class Figures:
    """Samples of one store's run, by label; rows are built from their medians."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    failed: dict[str, list[str]] = field(default_factory=dict)  # runs refused, by label

    def add(self, label: str, value: float) -> None:
        self.samples.setdefault(label, []).append(value)

    def med(self, label: str) -> float:
        """NaN when every run of `label` was refused: its row then shows nan and is not met."""
        samples = self.samples.get(label)
        return median(samples) if samples else math.nan

    def refusals(self, labels: list[str]) -> list[Row]:
        return [
            Row(f"{label}: {len(errors)} run(s) refused", errors[0][:200])
            for label in labels
            if (errors := self.failed.get(label))
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k events, short rounds")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--events", type=int, help="events to seed (overrides the plan)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (overrides the plan)")
    parser.add_argument(
        "--only-get", action="store_true", help="seed, then only the GET /v1/tasks/{id} row"
    )
    parser.add_argument(
        "--rebuilds-only",
        action="store_true",
        help="only the rebuild and catch-up rows (no writes first: seed what they would add)",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.events is not None:
        plan = replace(plan, events=args.events)
    if args.rounds:
        plan = replace(plan, rounds=args.rounds)
    plan = replace(plan, only_get=args.only_get, rebuilds_only=args.rebuilds_only)
    console = Console(width=160)
    urls: list[str | None] = []
    if not args.no_postgres and reachable(args.database_url):
        urls.append(args.database_url)
    if not args.no_sqlite:
        urls.append(None)
    facts = machine.facts(args.database_url if urls and urls[0] else None)
    facts["load generator"] = machine.wrk_version() or load.generator()
    header(console, plan, facts)
    tables: list[tuple[str, list[Row]]] = []
    for url in urls:
        with temporary_store(url) as store:
            started = time.monotonic()
            console.rule(f"{store.kind}")
            rows = run_store(store, plan, console)
            title = f"{store.kind}: {plan.events:,} events seeded, medians of {plan.rounds} rounds"
            tables.append((f"{title} ({time.monotonic() - started:.0f} s)", rows))
    console.rule("Results")
    header(console, plan, facts)
    for title, rows in tables:
        print_table(console, title, rows)


def reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def header(console: Console, plan: Plan, facts: dict[str, str]) -> None:
    console.print("  ".join(f"[bold]{k}[/] {v}" for k, v in facts.items()))
    console.print(
        f"plan: seed {plan.events:,} events; writes {plan.write_seconds:g} s, HTTP"
        f" {plan.http_seconds:g} s per run; {plan.rounds} interleaved rounds; WebSocket"
        f" {plan.sockets} sockets x {plan.ws_events} events"
    )


def run_store(store: Store, plan: Plan, console: Console) -> list[Row]:
    figures = Figures()
    with Kyros(store.settings()) as kyros:
        if plan.only_get:  # read models caught up before the server starts, as below
            seed(kyros, plan.events, console)
            catch_up_all(kyros)
            return served(store, plan, admin_key(kyros), figures, console)
        rows = [] if plan.rebuilds_only else writes(kyros, store, plan, figures, console)
        rows += rebuilds(kyros, store, plan, console)
        key = admin_key(kyros)
        count, seconds = catch_up_all(kyros)
        events = kyros.app.head()
        console.print(
            f"catch-up of all {count} read models over {events:,} events: {seconds:.1f} s"
        )
        rows.append(
            Row(
                f"catch-up of all {count} read models over {events:,} events",
                f"{seconds:.1f} s ({events / seconds:,.0f} ev/s)",
                goal="≤ 20 s (at 200k events)",
                met=seconds * 200_000 / events <= 20,
            )
        )
    if not plan.rebuilds_only:
        rows += served(store, plan, key, figures, console)
    return rows


def writes(kyros: Kyros, store: Store, plan: Plan, figures: Figures, console: Console) -> list[Row]:
    topic, state = sample_event(kyros)
    if store.database_url:
        raw: Writer = pg_raw_writer(store.database_url, topic, state)
    else:
        raw = sqlite_raw_writer(store.data_dir / "raw.sqlite3", topic, state)
    writers = {"raw": raw, "kyros": kyros_writer(kyros)}
    for round_no in range(1, plan.rounds + 1):
        for threads in (1, 16):
            for label, writer in writers.items():
                ops, elapsed = measure(threads, plan.write_seconds, writer)
                figures.add(f"{label} {threads}", ops / elapsed)
                console.print(
                    f"round {round_no} writes {label:<5} x{threads:<2} {ops / elapsed:8,.0f} ops/s"
                )
    rows = []
    for threads in (1, 16):
        k, r = figures.med(f"kyros {threads}"), figures.med(f"raw {threads}")
        callers = "caller" if threads == 1 else "callers"
        rows.append(
            Row(
                f"create-task commands/s, {threads} {callers}",
                rate(k),
                f"raw INSERT+COMMIT, {threads} conn{'s' * (threads > 1)}: {rate(r)}",
                k / r,
                "≥ 0.50x",
                k / r >= 0.5,
            )
        )
    return rows


def rebuilds(kyros: Kyros, store: Store, plan: Plan, console: Console) -> list[Row]:
    """Each round reads and decodes the log (the baselines), then rebuilds each read model as
    `kyros projections rebuild` does; medians of the rounds, so noise falls on both."""
    seeded, seconds = seed(kyros, plan.events, console)
    console.print(f"seeded {seeded:,} events in {seconds:.1f} s ({seeded / seconds:,.0f} ev/s)")
    figures = Figures()
    count = 0
    for round_no in range(1, plan.rounds + 1):
        rows_read, select_s = raw_select(store)
        count = len(rows_read)
        figures.add("mapper decode", count / (select_s + decode_events(kyros, rows_read)))
        figures.add("msgspec decode", count / (select_s + decode_states(rows_read)))
        del rows_read
        for name in ("tasks", "analytics"):
            seconds = rebuild(kyros, name, PAGE)
            figures.add(name, count / seconds)
            rated = f"{seconds:.1f} s = {count / seconds:,.0f} ev/s"
            console.print(f"round {round_no} rebuild {name}: {rated}")
    result = []
    for name, decoder in (("tasks", "mapper decode"), ("analytics", "msgspec decode")):
        ours, base = figures.med(name), figures.med(decoder)
        console.print(
            f"rebuild {name}: {spread(figures.samples[name])} ev/s;"
            f" baseline {spread(figures.samples[decoder])}"
        )
        result.append(
            Row(
                f"{name} read-model rebuild ({count:,} events)",
                rate(ours, " ev/s"),
                f"SELECT + {decoder}: {rate(base, ' ev/s')}",
                ours / base,
                "≥ 100k ev/s and ≥ 0.50x",
                ours >= 100_000 and ours / base >= 0.5,
            )
        )
    return result


def served(store: Store, plan: Plan, key: str, figures: Figures, console: Console) -> list[Row]:
    auth = {"Authorization": f"Bearer {key}"}
    post = auth | {"Content-Type": "application/json"}
    rows: list[Row] = []
    with kyros_serve(store, env=WS_ENV) as server:
        idle = server.rss_mb()
        task_path, body, content_type = a_task(server.url, auth)
        console.print(f"GET {task_path}: {len(body)} bytes of {content_type}")
        if plan.only_get:
            with bare_route(body, content_type, store.data_dir) as bare:
                return http_rows(server, bare, task_path, auth, post, plan, figures, console)
        ws = asyncio.run(
            bench_fanout.websocket_latency(
                server.url, key, plan.sockets, plan.ws_events, plan.ws_interval
            )
        )
        console.print(f"WebSocket: {ws}")
        rows.append(
            Row(
                f"append → WebSocket receive, {plan.sockets:,} sockets",
                latency(ws["p50_ms"], ws["p99_ms"]),
                goal="p99 ≤ 50 ms",
                met=ws["p99_ms"] <= 50 and ws["received"] == ws["expected"],
            )
        )
        with bare_route(body, content_type, store.data_dir) as bare:
            rows += http_rows(server, bare, task_path, auth, post, plan, figures, console)
        after = server.rss_mb()
        if store.database_url:  # SQLite serves from one process
            # Started only now: a second server following the same log on the same cores
            # would tax every figure above (its hub and reader work on each append).
            two = kyros_serve(store, workers=2, env=WS_ENV)
            try:
                rows += workers_rows(two, task_path, auth, post, plan, figures, console)
            finally:
                two.stop()
            if figures.failed:
                console.print(f"--workers 2 refusals in its access log: {refusals(two.log)}")
    rows.append(
        Row(
            "RSS after GET+POST load",
            f"{after:,.0f} MB",
            f"idle, same server: {idle:,.0f} MB",
            after / idle,
            "≤ 250 MB under load (1M events)",
            after <= 250 if plan.events >= 1_000_000 else None,  # no verdict on a small log
        )
    )
    return rows


def http_rows(
    server: Process,
    bare: Process,
    task_path: str,
    auth: dict[str, str],
    post: dict[str, str],
    plan: Plan,
    figures: Figures,
    console: Console,
) -> list[Row]:
    s = plan.http_seconds
    runs: list[tuple[str, Callable[[], load.Load]]] = [
        ("GET kyros", get_load(server.url, task_path, auth, s)),
        ("GET bare", lambda: load.run(f"{bare.url}/bare/x", connections=64, seconds=s)),
        ("POST kyros", lambda: post_load(server.url, post, s)),
    ][: 2 if plan.only_get else 3]
    interleave(runs, plan, figures, console)
    for label, _ in runs:
        console.print(f"spread {label}: {spread(figures.samples.get(f'{label} rate', []))} req/s")
    get, bare_rate = figures.med("GET kyros rate"), figures.med("GET bare rate")
    get_p99 = figures.med("GET kyros p99")
    rows = [
        Row(
            "GET /v1/tasks/{id}, 64 conns",
            f"{rate(get)} {latency(figures.med('GET kyros p50'), get_p99)}",
            f"bare Litestar route, same body: {rate(bare_rate)}"
            f" {latency(figures.med('GET bare p50'), figures.med('GET bare p99'))}",
            get / bare_rate,
            "≥ 0.50x, p99 ≤ 20 ms",
            get / bare_rate >= 0.5 and get_p99 <= 20,
        ),
    ]
    refused = figures.refusals([label for label, _ in runs])
    if plan.only_get:
        return rows + refused
    posted, command = figures.med("POST kyros rate"), figures.med("kyros 16")
    rows.append(
        Row(
            "POST /v1/tasks, 16 conns",
            f"{rate(posted)} p99 {figures.med('POST kyros p99'):.1f} ms",
            f"command layer, 16 callers: {rate(command)}",
            posted / command,
            "≥ 0.60x of the command rate",
            posted / command >= 0.6,
        )
    )
    return rows + refused


def workers_rows(
    two: Process,
    task_path: str,
    auth: dict[str, str],
    post: dict[str, str],
    plan: Plan,
    figures: Figures,
    console: Console,
) -> list[Row]:
    """`--workers 2` against the one-process figures above, each server measured while the
    other (idle) follows the same log."""
    s = plan.http_seconds
    runs: list[tuple[str, Callable[[], load.Load]]] = [
        ("GET workers 2", get_load(two.url, task_path, auth, s)),
        ("POST workers 2", lambda: post_load(two.url, post, s)),
    ]
    interleave(runs, plan, figures, console)
    rows = []
    for verb in ("GET", "POST"):
        two_rate, one = figures.med(f"{verb} workers 2 rate"), figures.med(f"{verb} kyros rate")
        rows.append(
            Row(
                f"{verb} with --workers 2 ({'64' if verb == 'GET' else '16'} conns)",
                f"{rate(two_rate)} p99 {figures.med(f'{verb} workers 2 p99'):.1f} ms",
                f"--workers 1: {rate(one)}",
                two_rate / one,
            )
        )
    return rows + figures.refusals([label for label, _ in runs])


def refusals(log: Path) -> dict[str, int]:
    """Access-log lines answered 4xx/5xx, by method, route and status: wrk counts them but
    does not say which they were."""
    found: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if (match := _REFUSED.search(line)) is not None:
            found[" ".join(match.groups())] += 1
    return dict(found.most_common(10))


_REFUSED = re.compile(r"kyros\.access \[[^]]*\] (\S+) (\S+) ([45]\d\d) ")


def interleave(
    runs: list[tuple[str, Callable[[], load.Load]]],
    plan: Plan,
    figures: Figures,
    console: Console,
) -> None:
    """Each run once per round, in turn, so the shared machine's noise falls on all of them."""
    for round_no in range(1, plan.rounds + 1):
        for label, go in runs:
            try:
                measured = go()
            except load.LoadError as error:  # recorded and shown in its row; the rest goes on
                figures.failed.setdefault(label, []).append(str(error))
                console.print(f"round {round_no} {label:<16} [red]failed[/]: {error}")
                continue
            figures.add(f"{label} rate", measured.rate)
            figures.add(f"{label} p50", measured.p50_ms)
            figures.add(f"{label} p99", measured.p99_ms)
            console.print(
                f"round {round_no} {label:<16} {measured.rate:8,.0f} req/s"
                f"  {latency(measured.p50_ms, measured.p99_ms)}"
            )


def get_load(url: str, task_path: str, auth: dict[str, str], s: float) -> Callable[[], load.Load]:
    return lambda: load.run(url + task_path, connections=64, seconds=s, headers=auth)


def post_load(url: str, headers: dict[str, str], seconds: float) -> load.Load:
    return load.run(
        f"{url}/v1/tasks",
        connections=16,
        seconds=seconds,
        method="POST",
        headers=headers,
        body=TASK_BODY,
    )


def a_task(url: str, auth: dict[str, str]) -> tuple[str, bytes, str]:
    """Creates one task and returns its path and the exact bytes a GET of it answers."""
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=url, headers=auth, timeout=30) as http:
        while (
            made := http.post(
                "/v1/tasks", content=TASK_BODY, headers={"Content-Type": "application/json"}
            )
        ).status_code == 401:
            if time.monotonic() > deadline:  # the server's key read model is still behind
                break
            time.sleep(0.2)
        assert made.status_code == 201, made.text
        path = f"/v1/tasks/{made.json()['data']['id']}"
        while (got := http.get(path)).status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert got.status_code == 200, got.text
        return path, got.content, got.headers["content-type"]


if __name__ == "__main__":
    main()
