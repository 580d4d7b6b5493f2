"""HTTP load: `wrk` when installed (a C client does not bound the figures on 2 cores), else a
Python asyncio client; both report requests/s, p50 and p99 and refuse a run with errors."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchkit.stats import percentile

WRK_THREADS = 2  # one per core; connections are spread over them

# wrk's `done` hook prints one JSON line; status errors are answers outside 2xx/3xx.
_LUA = """
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHKIT {\\"requests\\": %%d, \\"us\\": %%d, \\"p50\\": %%d, \\"p99\\": %%d,"
    .. " \\"status\\": %%d, \\"socket\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class LoadError(RuntimeError):
    pass


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "python (asyncio + httpx)"


def run(
    url: str,
    *,
    connections: int,
    seconds: float,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Load:
    """`connections` keep-alive connections sending back to back for `seconds`."""
    if shutil.which("wrk"):
        return _wrk(url, connections, seconds, method, headers or {}, body)
    return asyncio.run(_python(url, connections, seconds, method, headers or {}, body))


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def _wrk(
    url: str,
    connections: int,
    seconds: float,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
) -> Load:
    lines = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()
    )
    script = _LUA % {
        "method": _lua_string(method),
        "body": _lua_string(body.decode()) if body else "nil",
        "headers": lines,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        argv = [
            str(shutil.which("wrk")),
            f"-t{min(WRK_THREADS, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            lua.name,
            url,
        ]
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        Path(lua.name).unlink(missing_ok=True)
    found = [line for line in done.stdout.splitlines() if line.startswith("BENCHKIT ")]
    if done.returncode != 0 or not found:
        raise LoadError(f"wrk failed: {done.stderr or done.stdout}")
    figures = json.loads(found[-1].removeprefix("BENCHKIT "))
    if figures["status"] or figures["socket"]:
        raise LoadError(
            f"{method} {url}: {figures['status']} bad answers, {figures['socket']} socket errors;"
            f" {_probe(url, method, headers, body)}"
        )
    return Load(
        figures["requests"], figures["us"] / 1e6, figures["p50"] / 1e3, figures["p99"] / 1e3
    )


def _probe(url: str, method: str, headers: dict[str, str], body: bytes | None) -> str:
    """What 20 requests answer right after a run with bad answers (wrk counts them, it does
    not say which): their statuses, and the first refusal's body."""
    statuses: Counter[int] = Counter()
    refusal = ""
    with httpx.Client(headers=headers, timeout=10) as client:
        for _ in range(20):
            try:
                answer = client.request(method, url, content=body)
            except httpx.HTTPError as error:
                statuses[0] += 1
                refusal = refusal or repr(error)
                continue
            statuses[answer.status_code] += 1
            if answer.status_code >= 400 and not refusal:
                refusal = answer.text[:200]
    return f"a probe after it: {dict(statuses)} {refusal}".rstrip()


async def _python(
    url: str,
    connections: int,
    seconds: float,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
) -> Load:
    latencies: list[float] = []
    failures: list[int] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as client:
        stop = time.perf_counter() + seconds

        async def loop() -> None:
            while (started := time.perf_counter()) < stop:
                answer = await client.request(method, url, content=body)
                latencies.append(time.perf_counter() - started)
                if answer.status_code >= 400:
                    failures.append(answer.status_code)

        began = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    if failures:
        raise LoadError(f"{method} {url}: {len(failures)} bad answers, e.g. {failures[0]}")
    return Load(
        len(latencies),
        elapsed,
        1000 * percentile(latencies, 0.5),
        1000 * percentile(latencies, 0.99),
    )
