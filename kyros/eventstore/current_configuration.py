"""The configuration as the log has it now, for checks that cannot wait for a read model."""

from __future__ import annotations

import threading
from typing import Any

from kyros.domain.configuration import CONFIGURATION_ID, with_defaults
from kyros.eventstore.application import KyrosApplication


class CurrentConfiguration:
    """Every process sees a committed change on its next call, with no read-model lag.

    A call costs one indexed lookup of the configuration aggregate's newest version in the
    event store; the aggregate itself is loaded again only when that version moved. The
    settings are shared across request threads, so callers must not modify them.
    """

    def __init__(self, app: KyrosApplication) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._version: int | None = None
        self._settings: dict[str, dict[str, Any]] = with_defaults({})

    def settings(self) -> dict[str, dict[str, Any]]:
        newest = self._app.recorder.select_events(CONFIGURATION_ID, desc=True, limit=1)
        version = newest[0].originator_version if newest else None
        with self._lock:
            if version == self._version:
                return self._settings
        settings = with_defaults({})
        if version is not None:
            aggregate = self._app.repository.get(CONFIGURATION_ID)
            version, settings = aggregate.version, with_defaults(aggregate.settings)
        with self._lock:
            self._version, self._settings = version, settings
        return settings
