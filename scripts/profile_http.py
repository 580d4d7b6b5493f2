"""Profiles `kyros serve` under the benchmark's HTTP load, so a claim about what bounds a path
comes with the samples behind it.

Starts `kyros serve` on a throwaway store (SQLite, or PostgreSQL with `--database-url`), seeds
it, creates one task, then loads `GET /v1/tasks/{id}` (64 connections) or `POST /v1/tasks`
(16) with the benchmark's load generator while py-spy records the server; prints the figures
and the profile's summary (scripts/profile_summary.py) for the event loop's thread, and keeps
the raw profile for a flame graph.

    .venv/bin/python scripts/profile_http.py get [--database-url URL] [--seconds 15] [--gil]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import TASK_BODY, WS_ENV, a_task, get_load, post_load
from benchkit.credentials import admin_key
from benchkit.seeding import catch_up_all, seed
from benchkit.servers import kyros_serve
from benchkit.stores import temporary_store
from profile_summary import summarise
from rich.console import Console

from kyros.bootstrap import Kyros

EVENT_LOOP = "Server.run (uvicorn/server.py)"  # the thread requests are parsed and answered on


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("verb", choices=("get", "post"))
    parser.add_argument("--database-url", help="PostgreSQL (a throwaway database is made)")
    parser.add_argument("--events", type=int, default=20_000, help="events seeded first")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--gil", action="store_true", help="only samples holding the GIL")
    parser.add_argument("--out", type=Path, default=Path("profile-http.raw"))
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--through", default=EVENT_LOOP, help="only stacks containing this")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    console = Console()
    with temporary_store(args.database_url) as store:
        with Kyros(store.settings()) as kyros:
            seed(kyros, args.events, console)
            catch_up_all(kyros)
            key = admin_key(kyros)
        auth = {"Authorization": f"Bearer {key}"}
        with kyros_serve(store, env=WS_ENV) as server:
            path, _, _ = a_task(server.url, auth)
            record = [spy, "record", "-r", "250", "-f", "raw", "-o", str(args.out)]
            record += ["-d", str(round(args.seconds)), "--pid", str(server.pid)]
            recorder = subprocess.Popen([*record, *(["--gil"] if args.gil else [])])
            time.sleep(1)  # py-spy attaches before the load starts
            if args.verb == "get":
                measured = get_load(server.url, path, auth, args.seconds - 1)()
            else:
                headers = auth | {"Content-Type": "application/json"}
                measured = post_load(server.url, headers, args.seconds - 1)
            recorder.wait(timeout=args.seconds + 60)
    print(
        f"{args.verb.upper()} on {store.kind}: {measured.rate:,.0f} req/s, p50"
        f" {measured.p50_ms:.1f} ms, p99 {measured.p99_ms:.1f} ms (body {len(TASK_BODY)} bytes)"
    )
    total, inclusive, own = summarise(args.out, args.through)
    print(f"{total:,} samples through {args.through!r}; raw profile in {args.out}")
    for function, count in inclusive.most_common(args.top):
        print(f"{100 * count / total:5.1f}% {100 * own[function] / total:5.1f}%  {function}")


if __name__ == "__main__":
    main()
