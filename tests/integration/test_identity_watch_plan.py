"""The identity watch's look at the log is planned for the range it reads, every time."""

from __future__ import annotations

import anyio
import pytest

from kyros.bootstrap import Kyros
from kyros.identity.credential_cache import IdentityWatch
from kyros.settings import Settings

pytestmark = pytest.mark.postgres


@pytest.fixture
def store() -> str:
    return "postgres"


def test_the_looks_are_never_prepared(kyros: Kyros, settings: Settings) -> None:
    """psycopg prepares a statement from its fifth run; its generic plan cannot know that the
    range past the last look is a handful of rows (a parallel scan of the whole log was seen
    on every request batch). Each look must be planned with its own position."""
    watch = IdentityWatch(kyros.db, settings.database_url, settings.database_timeout_seconds)

    async def look_and_count() -> int:
        try:
            for _ in range(12):
                await watch.current()
            connection = watch._connection
            assert connection is not None
            cursor = await connection.execute("SELECT count(*) AS n FROM pg_prepared_statements")
            row = await cursor.fetchone()
            assert row is not None
            return int(row["n"])
        finally:
            await watch.aclose()

    assert anyio.run(look_and_count) == 0
