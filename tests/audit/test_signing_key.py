"""The signing key: from the environment or a 0600 file, and never two keys in one chain."""

from __future__ import annotations

import base64
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from kyros.audit.chainer import AuditChain, CheckpointPolicy
from kyros.audit.keys import KEY_FILE, load_signing_key
from kyros.audit.verify import verify
from kyros.bootstrap import Kyros
from tests.builders.commands import make_task


def test_a_generated_key_is_kept_in_the_data_dir_with_mode_0600(tmp_path: Path) -> None:
    first = load_signing_key(None, tmp_path)
    again = load_signing_key(None, tmp_path)

    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert first.public_key() == again.public_key()


def test_a_configured_key_is_used_and_a_malformed_one_refused(tmp_path: Path) -> None:
    raw = bytes(range(32))
    key = load_signing_key(base64.b64encode(raw).decode(), tmp_path)

    assert key.private_bytes_raw() == raw
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(ValueError, match="KYROS_AUDIT_SIGNING_KEY"):
        load_signing_key("c2hvcnQ=", tmp_path)


def test_a_process_with_another_key_chains_on_but_signs_nothing(
    kyros: Kyros, tmp_path: Path
) -> None:
    kyros.audit.policy = CheckpointPolicy(events=2, interval=timedelta(hours=1))
    make_task(kyros.app)
    make_task(kyros.app)
    kyros.audit.catch_up()
    other = AuditChain(
        kyros.db,
        load_signing_key(None, tmp_path / "elsewhere"),
        kyros.audit.policy,
        leaders=kyros.leaders,
        appended=kyros.appended,
        poll_seconds=1,
    )
    make_task(kyros.app)
    make_task(kyros.app)

    other.catch_up()

    assert other.refusal is not None and "KYROS_AUDIT_SIGNING_KEY" in other.refusal
    report = verify(kyros.db, kyros.audit.key.public_key())
    assert report.ok and (report.chain_head, report.checkpoints) == (4, 1)
