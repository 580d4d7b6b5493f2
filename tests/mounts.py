"""Real file-system faults: a tmpfs of our own (root ignores permission bits, so a mount is
the honest way to make a directory read-only or a disk full)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

MOUNT, UMOUNT = shutil.which("mount") or "mount", shutil.which("umount") or "umount"


@contextmanager
def tmpfs(where: Path, size: str, purpose: str) -> Iterator[Path]:
    """Mounts a fresh tmpfs of `size` at `where`; skips without root, fails in CI."""
    where.mkdir()
    made = subprocess.run(
        [MOUNT, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        message = f"{purpose} needs a tmpfs mount: {made.stderr.strip()}"
        if os.geteuid() == 0 or os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message + " (run as root)")
    try:
        yield where
    finally:
        subprocess.run([UMOUNT, "-l", str(where)], check=False)
