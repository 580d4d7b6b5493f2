"""Contract check: schemathesis against a real `kyros serve`; exits non-zero on any finding."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
# Generous limits: schemathesis makes thousands of calls from one key in a few minutes, and the
# rate limiter is right to refuse them; its 429 is tested in tests/e2e/test_rate_limits_http.py.
LIMITS = (
    ",".join(
        f"{group}=1000000/minute"
        for group in ("auth", "task_create", "model_select", "monitoring", "webhooks", "agent_work")
    )
    + ",default=1000000/minute"
)
# Excluded operations, each where the server is right and schemathesis cannot know it:
# Logout revokes the caller's own credential (the admin key), so every later call would be a
# 401; the key's own revocation is excluded for the same reason (its id is not in the spec).
EXCLUDED_OPERATIONS = ("Logout",)
# Excluded checks, each where the server is right and the schema cannot say so:
# - positive_data_acceptance: some refusals of schema-valid input are business rules no JSON
#   Schema states: a model must be in the catalog, a referenced task must exist, target and
#   original model must differ, a refresh_token grant needs its token, a task's role changes only
#   with its assignee_role, `Must change at least one field`, a webhook secret's base64 length.
# - allow_header_conformance: Litestar 2.25 answers OPTIONS on a path whose handlers were
#   registered one by one with the methods of the first only (its OPTIONS handler closes over a
#   superseded route); the methods themselves work and are documented.
EXCLUDED_CHECKS = ("positive_data_acceptance", "allow_header_conformance")
MAX_EXAMPLES = int(os.environ.get("KYROS_CONTRACT_MAX_EXAMPLES", "10"))
MAX_SECONDS = int(os.environ.get("KYROS_CONTRACT_MAX_SECONDS", "110"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"kyros serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"kyros serve did not answer {url} within {timeout}s")


def create_admin_key(env: dict[str, str]) -> str:
    made = subprocess.run(
        [str(VENV_BIN / "kyros"), "keys", "create", "--name", "contract-check", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1]


def run_schemathesis(base: str, key: str, report: Path) -> int:
    command = [
        str(VENV_BIN / "schemathesis"),
        "run",
        f"{base}/v1/schema/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_SECONDS),
        "--header",
        f"Authorization: Bearer {key}",
        "--request-timeout",
        "20",
        "--seed",
        "1",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--generation-allow-x00",
        "false",  # NUL is refused by design before routing (nul_guard); see its tests
    ]
    command += ["--exclude-checks", ",".join(EXCLUDED_CHECKS)]
    for operation in EXCLUDED_OPERATIONS:
        command += ["--exclude-operation-id", operation]
    return subprocess.run(command, check=False).returncode


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kyros-contract-") as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "KYROS_DATA_DIR": data_dir,
            "KYROS_HOST": "127.0.0.1",
            "KYROS_PORT": str(port),
            "KYROS_RATE_LIMITS": LIMITS,
        }
        env.pop("KYROS_DATABASE_URL", None)  # the embedded SQLite store in data_dir
        log = Path(data_dir) / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [str(VENV_BIN / "kyros"), "serve"], env=env, stdout=out, stderr=out
            )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(f"{base}/v1/health/live", server)
            key = create_admin_key(env)
            code = run_schemathesis(base, key, Path(data_dir) / "report.ndjson")
            summarise(Path(data_dir) / "report.ndjson")
        finally:
            server.terminate()
            server.wait(timeout=20)
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
        if errors:
            print(f"contract check: {len(errors)} traceback(s) in the server log", file=sys.stderr)
            code = code or 1
    print(f"contract check: schemathesis exit {code}, {time.monotonic() - started:.0f}s wall")
    return code


def summarise(report: Path) -> None:
    """One line of totals, whatever schemathesis printed."""
    if not report.exists():
        return
    events = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    kinds: dict[str, int] = {}
    for event in events:
        for kind in event:
            kinds[kind] = kinds.get(kind, 0) + 1
    print(f"contract check events: {kinds}")


if __name__ == "__main__":
    sys.exit(main())
