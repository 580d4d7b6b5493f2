"""`kyros audit export` writes a file the standalone script verifies with nothing of Kyros; one
edited byte makes it fail; `kyros audit verify` answers from the command line."""

from __future__ import annotations

import ast
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyros.audit.export import export
from kyros.audit.keys import public_bytes
from kyros.bootstrap import Kyros
from kyros.settings import Settings
from tests.audit.tamper import chained_log, flip_byte, sql

pytestmark = pytest.mark.both_stores  # the export reads each store's events table

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_audit_export.py"


def exported(kyros: Kyros, path: Path, first: int = 1, last: int | None = None) -> Path:
    with path.open("w", encoding="utf-8") as out:
        export(kyros.db, kyros.audit.key.public_key(), out, first, last)
    return path


def offline(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """In its own interpreter, as an auditor runs it."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def key_of(kyros: Kyros) -> str:
    return base64.b64encode(public_bytes(kyros.audit.key.public_key())).decode()


def test_the_offline_script_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(SCRIPT.read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert imported - {"cryptography"} <= set(sys.stdlib_module_names)


def test_an_export_verifies_offline_with_the_published_key(kyros: Kyros, tmp_path: Path) -> None:
    chained_log(kyros)
    path = exported(kyros, tmp_path / "audit.jsonl")

    result = offline(path, "--public-key", key_of(kyros))

    assert result.returncode == 0, result.stderr
    assert "10 events and 2 signed checkpoints verify" in result.stdout  # up to the last one


def test_an_export_of_a_middle_range_verifies_from_its_anchor(kyros: Kyros, tmp_path: Path) -> None:
    chained_log(kyros)
    path = exported(kyros, tmp_path / "audit.jsonl", first=4, last=13)

    result = offline(path, "--public-key", key_of(kyros))

    assert result.returncode == 0, result.stderr
    assert "positions 4..13" in result.stdout


def test_one_edited_byte_fails_the_offline_check_at_its_position(
    kyros: Kyros, tmp_path: Path
) -> None:
    chained_log(kyros)
    path = exported(kyros, tmp_path / "audit.jsonl")
    lines = path.read_text().splitlines()
    event = json.loads(lines[3])
    state = bytearray(base64.b64decode(event["state"]))
    state[5] ^= 0x01
    event["state"] = base64.b64encode(bytes(state)).decode()
    lines[3] = json.dumps(event)
    path.write_text("\n".join(lines) + "\n")

    result = offline(path, "--public-key", key_of(kyros))

    assert result.returncode == 1
    assert f"FAILED at position {event['position']}" in result.stderr


def test_a_file_resigned_with_another_key_fails_against_the_published_one(
    kyros: Kyros, tmp_path: Path
) -> None:
    chained_log(kyros)
    path = exported(kyros, tmp_path / "audit.jsonl")
    lines = path.read_text().splitlines()
    checkpoint = next(json.loads(line) for line in lines if '"checkpoint"' in line)
    forged = dict(checkpoint, signature=base64.b64encode(bytes(64)).decode())
    path.write_text(path.read_text().replace(json.dumps({**checkpoint}), json.dumps(forged)))

    result = offline(path, "--public-key", key_of(kyros))

    assert result.returncode == 1
    assert "signature is invalid" in result.stderr


def test_the_embedded_key_is_used_with_a_warning(kyros: Kyros, tmp_path: Path) -> None:
    chained_log(kyros)
    result = offline(exported(kyros, tmp_path / "audit.jsonl"))

    assert result.returncode == 0
    assert "GET /v1/audit/public-key" in result.stderr


def test_the_cli_verifies_and_exports_and_names_a_tampered_position(
    kyros: Kyros, settings: Settings, tmp_path: Path
) -> None:
    chained_log(kyros)
    env = {"KYROS_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["KYROS_DATABASE_URL"] = settings.database_url
    out = tmp_path / "cli.jsonl"

    clean = kyros_cli(env, "audit", "verify", "--public-key", key_of(kyros))
    stranger = base64.b64encode(public_bytes(Ed25519PrivateKey.generate().public_key()))
    unknown_key = kyros_cli(env, "audit", "verify", "--public-key", stranger.decode())
    written = kyros_cli(env, "audit", "export", "--from", "1", "--out", str(out))
    flip_byte(kyros, 7)
    tampered = kyros_cli(env, "audit", "verify")

    assert clean.returncode == 0, clean.stderr
    assert "ok:" in clean.stdout
    assert unknown_key.returncode == 1 and "(forged_checkpoint)" in unknown_key.stderr
    assert written.returncode == 0 and offline(out).returncode == 0
    assert tampered.returncode == 1
    assert "position 7 (altered)" in tampered.stderr


def kyros_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KYROS_")}
    return subprocess.run(
        [sys.executable, "-m", "kyros", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_takes_checkpoints_kept_outside_to_show_a_deleted_tail(
    kyros: Kyros, settings: Settings, tmp_path: Path
) -> None:
    first, _ = chained_log(kyros)
    kept = exported(kyros, tmp_path / "kept.jsonl")  # its checkpoint lines are the copies
    env = {"KYROS_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["KYROS_DATABASE_URL"] = settings.database_url
    for table, column in (("{events}", "{position}"), ("audit_links", "position")):
        sql(kyros, f"DELETE FROM {table} WHERE {column} > ?", (first,))
    sql(kyros, "DELETE FROM audit_checkpoints WHERE position > ?", (first,))

    alone = kyros_cli(env, "audit", "verify")
    with_copies = kyros_cli(env, "audit", "verify", "--checkpoints", str(kept))

    assert alone.returncode == 0
    assert with_copies.returncode == 1
    assert f"position {first + 1} (truncated)" in with_copies.stderr
