"""security.session_timeout_minutes: a login session unused for that long has expired."""

from __future__ import annotations

from datetime import timedelta

from kyros.bootstrap import Kyros
from kyros.commands.registry import run_command
from kyros.commands.sessions import EndIdleSession
from kyros.domain.identity_errors import Unauthorized
from kyros.timefmt import now


def use_session(kyros: Kyros, family_id: str) -> None:
    """Counts a request (or a refresh) as a use of its session; an expired session is
    revoked and refused with 401. API keys are not sessions and never come here."""
    minutes = kyros.configuration.settings()["security"]["session_timeout_minutes"]
    if kyros.sessions.use(family_id, now(), timedelta(minutes=minutes)):
        return
    run_command(kyros.app, kyros.catalog, EndIdleSession(family_id=family_id))
    raise Unauthorized(f"This session expired after {minutes} minutes without use; log in again")
