"""A throwaway store per run: a fresh PostgreSQL database or a SQLite file in a temp dir."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from kyros.settings import Settings

# Every limit far above what a benchmark sends: the figures measure the path, not the limiter.
RATE_LIMITS = "default=100000000/minute,auth=100000000/minute,task_create=100000000/minute"
JWT_SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"  # noqa: S105 (a throwaway)
ADMIN_PASSWORD = "bench-admin-password"  # noqa: S105 (a throwaway)


@dataclass(frozen=True)
class Store:
    kind: str  # "PostgreSQL" or "SQLite"
    data_dir: Path
    database_url: str | None

    @property
    def short(self) -> str:
        return "PG" if self.database_url else "SQLite"

    def settings(self, **overrides: Any) -> Settings:
        fields: dict[str, Any] = {
            "data_dir": self.data_dir,
            "database_url": self.database_url,
            "jwt_secret": JWT_SECRET,
            "postgres_pool_size": 20,
        }
        return Settings(**(fields | overrides))

    def env(self) -> dict[str, str]:
        """The `KYROS_*` variables a `kyros serve` on this store runs with."""
        env = {
            "KYROS_DATA_DIR": str(self.data_dir),
            "KYROS_JWT_SECRET": JWT_SECRET,
            "KYROS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "KYROS_RATE_LIMITS": RATE_LIMITS,
        }
        if self.database_url:
            env["KYROS_DATABASE_URL"] = self.database_url
            env["KYROS_POSTGRES_POOL_SIZE"] = "20"
        return env


@contextmanager
def temporary_store(database_url: str | None) -> Iterator[Store]:
    """With a URL, a new database beside it (dropped after); without, SQLite in a temp dir."""
    data_dir = Path(tempfile.mkdtemp(prefix="kyros-bench-"))
    try:
        if database_url is None:
            yield Store("SQLite", data_dir, None)
            return
        with fresh_database(database_url) as url:
            yield Store("PostgreSQL", data_dir, url)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"kyros_bench_{uuid.uuid4().hex[:10]}"
    url = urlsplit(admin_url)._replace(path=f"/{name}").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(drop.format(sql.Identifier(name)))
