"""The `kyros` command line, run as a newcomer would: real processes, real sockets."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx

from tests.http_client import http_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kyros_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    env["KYROS_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run_cli(
    data_dir: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyros", *args],
        env=kyros_env(data_dir),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class Served(NamedTuple):
    url: str
    stderr: Path  # everything `kyros serve` wrote to stderr


@contextmanager
def serving(data_dir: Path, **env: str) -> Iterator[Served]:
    """`kyros serve` in its own process, up once its liveness probe answers."""
    port = free_port()
    stderr = data_dir / f"serve-{port}.stderr"
    data_dir.mkdir(parents=True, exist_ok=True)
    with stderr.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "kyros", "serve", "--port", str(port)],
            env=kyros_env(data_dir, **env),
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        with http_client(base_url=url, timeout=1) as probe:
            while True:
                try:
                    probe.get("/v1/health/live")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        said = f"kyros serve did not come up; it said: {stderr.read_text()[-2000:]}"
                        raise RuntimeError(said) from None
                    time.sleep(0.1)
        yield Served(url, stderr)
    finally:
        process.terminate()
        process.wait(timeout=15)


def printed_password(served: Served) -> str:
    match = re.search(
        r"first admin user 'admin' with the password (\S+)", served.stderr.read_text()
    )
    assert match, served.stderr.read_text()
    return match.group(1)


def test_serve_runs_on_sqlite_with_no_configuration_at_all(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        password = printed_password(served)
        login = httpx.post(
            f"{served.url}/v1/auth/login",
            data={"username": "admin", "password": password},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['data']['access_token']}"}
        created = httpx.post(
            f"{served.url}/v1/tasks", json={"title": "From the CLI"}, headers=auth, timeout=10
        )
        assert created.status_code == 201
        listed = httpx.get(f"{served.url}/v1/tasks", headers=auth, timeout=10).json()
    assert (tmp_path / "kyros.sqlite3").exists()
    assert f"(SQLite at {tmp_path / 'kyros.sqlite3'})" in served.stderr.read_text()
    assert [t["title"] for t in listed["data"]["tasks"]] == ["From the CLI"]


def test_the_generated_admin_password_is_printed_once_and_never_logged(tmp_path: Path) -> None:
    with serving(tmp_path) as first:
        password = printed_password(first)
    assert first.stderr.read_text().count(password) == 1
    assert not re.search(r"INFO .*" + re.escape(password), first.stderr.read_text())
    with serving(tmp_path) as second:
        assert "first admin" not in second.stderr.read_text()
    key_file = tmp_path / "jwt.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_serve_creates_the_admin_named_in_the_environment(tmp_path: Path) -> None:
    env = {"KYROS_ADMIN_USERNAME": "root", "KYROS_ADMIN_PASSWORD": "from the environment"}
    with serving(tmp_path, **env) as served:
        login = httpx.post(
            f"{served.url}/v1/auth/login",
            data={"username": "root", "password": "from the environment"},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        assert login.json()["data"]["user"]["roles"] == ["admin"]
    assert "from the environment" not in served.stderr.read_text()


def test_serve_refuses_a_jwt_secret_shorter_than_32_bytes_without_echoing_it(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kyros", "serve", "--port", str(free_port())],
        env=kyros_env(tmp_path, KYROS_JWT_SECRET="tooshort-secret"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "KYROS_JWT_SECRET must be at least 32 bytes" in result.stderr
    assert "tooshort-secret" not in result.stderr + result.stdout


def test_projections_status_and_rebuild_report_positions(tmp_path: Path) -> None:
    from kyros.bootstrap import Kyros
    from kyros.projections.registry import all_projections
    from kyros.settings import Settings
    from tests.builders.commands import make_task

    with Kyros(Settings(data_dir=tmp_path)) as kyros:
        for n in range(5):
            make_task(kyros.app, title=f"t{n}")
    status = run_cli(tmp_path, "projections", "status")
    assert status.returncode == 0, status.stderr
    assert "tasks" in status.stdout and "5" in status.stdout

    rebuilt = run_cli(tmp_path, "projections", "rebuild", "--all")
    assert rebuilt.returncode == 0, rebuilt.stderr
    names = ", ".join(sorted(p.name for p in all_projections()))  # every read model, by name
    assert f"rebuilt {names} up to position 5" in rebuilt.stdout
    after = run_cli(tmp_path, "projections", "status")
    tasks_row = next(line for line in after.stdout.splitlines() if "tasks" in line)
    assert re.findall(r"\d+", tasks_row) == ["5", "5", "0"]  # position, head, lag


def test_rebuild_refuses_an_unknown_projection_or_a_missing_name(tmp_path: Path) -> None:
    from kyros.bootstrap import Kyros
    from kyros.settings import Settings

    Kyros(Settings(data_dir=tmp_path)).close()
    unknown = run_cli(tmp_path, "projections", "rebuild", "nope")
    assert unknown.returncode == 2
    assert "unknown projection 'nope'" in unknown.stderr
    missing = run_cli(tmp_path, "projections", "rebuild")
    assert missing.returncode == 2
    assert "--all" in missing.stderr
