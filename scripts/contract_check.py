"""Contract check: schemathesis against a real `kyros serve`; exits non-zero on any finding."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

VENV_BIN = Path(sys.executable).parent
TOTALS = re.compile(r"Operations:|\d+ generated|\d+ (?:passed|failed|errored)|❌|ST\d{3} ")
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
# Logout and RevokeApiKey end the caller's own credential: schemathesis finds the admin key's id
# in GET /v1/api-keys and revokes it, and every later call is (rightly) a 401. Both are covered
# by tests/e2e/test_auth_http.py and tests/e2e/test_api_keys_http.py.
EXCLUDED_OPERATIONS = ("Logout", "RevokeApiKey")
# Excluded checks, each where the server is right and the schema cannot say so:
# - positive_data_acceptance: some refusals of schema-valid input are business rules no JSON
#   Schema states: a model must be in the catalog, a referenced task must exist, target and
#   original model must differ, a refresh_token grant needs its token, a task's role changes only
#   with its assignee_role, `Must change at least one field`, a webhook secret's base64 length.
# - use_after_free: DELETE /v1/tasks/{task_id} cancels a task (the spec's "Cancel Task"); the
#   cancelled task stays readable, by design, with status `cancelled`.
EXCLUDED_CHECKS = ("positive_data_acceptance", "use_after_free")
MAX_EXAMPLES = int(os.environ.get("KYROS_CONTRACT_MAX_EXAMPLES", "10"))
# Two runs, side by side on servers of their own (see main): the stateful phase gets its own
# share of the time (--max-time is per run) without waiting for the other.
MAX_SECONDS = int(os.environ.get("KYROS_CONTRACT_MAX_SECONDS", "65"))
STATEFUL_SECONDS = int(os.environ.get("KYROS_CONTRACT_STATEFUL_SECONDS", "65"))


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports: every socket stays bound until all are chosen."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


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


class Run(NamedTuple):
    """What one schemathesis run found: its exit code and its whole report."""

    phases: str
    code: int
    output: str


def run_schemathesis(base: str, key: str, phases: str, seconds: int, workdir: str) -> Run:
    """One schemathesis run; its output is kept, to be printed whole once it ends."""
    command = [
        str(VENV_BIN / "schemathesis"),
        "--config-file",
        str(Path(__file__).resolve().with_name("schemathesis.toml")),
        "run",
        f"{base}/v1/schema/openapi.json",
        "--checks",
        "all",
        "--phases",
        phases,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(seconds),
        "--header",
        f"Authorization: Bearer {key}",
        "--request-timeout",
        "20",
        "--seed",
        "1",
        "--no-color",
        "--generation-with-security-parameters",
        "false",  # our admin key only: a generated X-API-Key beside it is (rightly) a 401
        "--generation-allow-x00",
        "false",  # NUL is refused by design before routing (nul_guard); see its tests
    ]
    command += ["--exclude-checks", ",".join(EXCLUDED_CHECKS)]
    for operation in EXCLUDED_OPERATIONS:
        command += ["--exclude-operation-id", operation]
    # Run where it may leave its cache (.schemathesis/): the temporary data directory.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=workdir, check=False)
    return Run(phases, done.returncode, done.stdout)


def serve_and_check(phases: str, seconds: int, port: int) -> Run:
    """A `kyros serve` of its own on an empty SQLite store, checked by one schemathesis run."""
    with tempfile.TemporaryDirectory(prefix="kyros-contract-") as data_dir:
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
            run = run_schemathesis(base, create_admin_key(env), phases, seconds, data_dir)
        finally:
            server.terminate()
            server.wait(timeout=20)
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
    if errors:
        note = f"contract check ({phases}): {len(errors)} traceback(s) in the server log\n"
        return Run(phases, run.code or 1, run.output + note)
    return run


def main() -> int:
    """Both runs at once, each on its own server, so one's state cannot steer the other's.

    Each mostly waits on its server's answers, so side by side they take the longer one's time.
    """
    started = time.monotonic()
    plan = (("examples,coverage,fuzzing", MAX_SECONDS), ("stateful", STATEFUL_SECONDS))
    with ThreadPoolExecutor(max_workers=len(plan)) as pool:
        ports = free_ports(len(plan))
        runs = list(pool.map(lambda step, port: serve_and_check(*step, port), plan, ports))
    for run in runs:
        print(run.output, end="")
    for run in runs:
        for line in run.output.splitlines():
            if TOTALS.search(line):
                print(f"contract check totals, {run.phases}: {line.strip()}")
    code = max(run.code for run in runs)
    print(f"contract check: schemathesis exit {code}, {time.monotonic() - started:.0f}s wall")
    return code


if __name__ == "__main__":
    sys.exit(main())
