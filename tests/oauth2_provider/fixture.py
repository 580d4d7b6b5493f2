"""Starts the loopback OpenID provider and signs its accounts in like a browser would."""

from __future__ import annotations

import fcntl
import html
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx2
import pytest

PROVIDER_DIR = Path(__file__).resolve().parent
REDIRECT_URI = "http://127.0.0.1:8765/login/callback"
CLIENT_ID, CLIENT_SECRET = "kyros-test", "a-client-secret-that-must-never-leak"
ALICE = {"email": "alice@example.test", "email_verified": True, "name": "Alice Example"}
ACCOUNTS = {
    "alice": ALICE,
    "bob": {"email": "bob@example.test", "email_verified": True, "name": "Bob Example"},
    "carol": {"email": "carol@example.test", "email_verified": False, "name": "Carol Example"},
    "dave": {"email": "dave@example.test", "email_verified": True, "name": "Dave Example"},
}
OP_CONFIG = {
    "clients": [
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }
    ],
    "accounts": ACCOUNTS,
}


def _node_modules() -> None:
    """Installs the pinned provider with `npm ci` when missing; skips only off CI without npm.
    Test workers take turns (a file lock): two `npm ci` into one directory corrupt each other."""
    with (PROVIDER_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            _npm_ci()


def _npm_ci() -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        message = "Node.js and npm are needed to run the OpenID provider for OAuth2 tests"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI requires them)", pytrace=False)
        pytest.skip(message)
    command = [npm, "ci", "--prefix", str(PROVIDER_DIR), "--no-audit", "--no-fund"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        pytest.fail(f"npm ci failed:\n{done.stderr[-2000:]}", pytrace=False)


@contextmanager
def running_provider() -> Iterator[str]:
    """The provider's issuer URL; the process is stopped whatever the tests do."""
    _node_modules()
    env = {**os.environ, "KYROS_TEST_OP_CONFIG": json.dumps(OP_CONFIG)}
    node = shutil.which("node") or "node"
    with subprocess.Popen(
        [node, "provider.js"],
        cwd=PROVIDER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            yield _wait_until_ready(process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_ready(process: subprocess.Popen[str]) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        url = json.loads(lines.get(timeout=30))["issuer"]
    except (queue.Empty, ValueError, KeyError):
        raise RuntimeError(f"the OpenID provider did not start (exit {process.poll()})") from None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{url}/.well-known/openid-configuration", timeout=2).is_success:
                return str(url)
        except httpx2.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError("the OpenID provider never answered discovery")


def sign_in(authorization_url: str, account: str = "alice") -> dict[str, str]:
    """A browser without a screen: follows redirects and submits the provider's dev forms;
    returns the query the provider sends back to REDIRECT_URI (code, state, iss)."""
    with httpx2.Client(timeout=10) as browser:
        response = browser.get(authorization_url)
        for _ in range(12):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(REDIRECT_URI):
                    return dict(parse_qsl(urlsplit(location).query))
                response = browser.get(location)
            elif response.status_code == 200:
                action, fields = _form(response.text)
                if fields.get("prompt") == "login":
                    fields.update(login=account, password="any password")
                response = browser.post(urljoin(str(response.url), action), data=fields)
            else:
                raise AssertionError(f"provider answered {response.status_code}")
    raise AssertionError("the provider never redirected back to the client")


def _form(page: str) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form[^>]*action="([^"]+)"', page)
    assert action is not None, page[:500]
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return html.unescape(action.group(1)), {k: html.unescape(v) for k, v in hidden}
