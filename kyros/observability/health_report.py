"""GET /v1/monitoring/health: real checks of this process, its database and the read models.

Overall status: `unhealthy` when the database cannot be queried; `degraded` when a background
component of this process is not running (stopped, crashed and waiting to restart, never
started), a read model is stuck at an event it cannot apply (whichever process runs it) or
lags the log by LAG_DEGRADED events or more, or no WebSocket library is installed to upgrade
connections with; `healthy` otherwise.
Agents are separate processes: their absence shows in `agent_runner` but degrades nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from kyros import __version__
from kyros.audit.chainer import audit_chain_head
from kyros.bootstrap import Kyros
from kyros.fanout.transport import UPGRADE_LIBRARIES, upgrade_library
from kyros.observability.database_probe import DatabaseProbe
from kyros.queries.alerts import open_alert_counts
from kyros.queries.health import agent_presence, recent_model_figures
from kyros.supervision import WorkerState
from kyros.timefmt import iso, now

log = logging.getLogger(__name__)

LAG_DEGRADED = 1000  # events a read model may trail the log before health calls it degraded


class ApiClock:
    """When this app started serving."""

    def __init__(self) -> None:
        self.started_at = iso(now())
        self._started = time.monotonic()

    def uptime_seconds(self) -> float:
        return round(time.monotonic() - self._started, 3)


def background_components(kyros: Kyros) -> dict[str, WorkerState]:
    """The supervised workers of this process other than the projection workers."""
    components = {
        "scheduler": kyros.scheduler.state,
        "webhook_dispatcher": kyros.webhooks.state,
        "websocket_hub": kyros.hub.state,
        "audit_chain": kyros.audit.state,
    }
    if kyros.settings.is_postgres:
        components["log_listener"] = kyros.listener_state  # LISTEN/NOTIFY exists only there
    return components


def health_report(kyros: Kyros, probe: DatabaseProbe, clock: ApiClock) -> dict[str, Any]:
    """Synchronous (it queries the database): run it in a worker thread."""
    database = probe.check()
    stored = None
    if database["status"] == "healthy":
        try:
            stored = _stored(kyros)
        except Exception as error:  # the event store or a read model does not answer
            log.warning("health: reading the log or read models failed: %s", error)
            database = {**database, "status": "unhealthy", "error": type(error).__name__}
    issues: list[str] = []
    if stored is None:
        issues.append("the database does not answer")
    head, positions, agents, models, alerts, failures = stored or (None, {}, None, {}, None, {})
    projections = _projections(kyros, head, positions, failures, issues)
    services = {
        "api": {
            "status": "healthy",
            "uptime_seconds": clock.uptime_seconds(),
            "started_at": clock.started_at,
            "version": __version__,
        },
        "projection_workers": _projection_workers(kyros.projections.states),
    }
    for component, state in background_components(kyros).items():
        services[component] = _component(state)
        if state.status != "running":
            issues.append(f"{component} is {state.status}")
    _websocket_upgrades(services["websocket_hub"], issues)
    _audit_lag(services["audit_chain"], kyros, head, issues)
    services["agent_runner"] = _agent_runner(agents)
    status = "unhealthy" if database["status"] != "healthy" else "degraded" if issues else "healthy"
    return {
        "overall_status": status,
        "issues": issues,
        "services": services,
        "database": database,
        "projections": projections,
        "alerts": alerts,  # informational: an open alert does not degrade the status
        "models": {
            model.name: {
                "status": "available" if kyros.catalog.is_usable(model.name) else "unavailable",
                **models.get(model.name, _NO_FIGURES),
            }
            for model in kyros.catalog.models
        },
    }


_NO_FIGURES = {
    "response_time": None,
    "success_rate": None,
    "recent_attempts": None,
    "performance_tracking": None,
}


def _stored(
    kyros: Kyros,
) -> tuple[int, dict[str, int], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The log head, read-model positions, agent presence, recent model figures, the
    alerts still open and the read models stuck at an event."""
    lease = timedelta(seconds=kyros.settings.agent_lease_seconds)
    return (
        kyros.app.head(),
        kyros.engine.positions(),
        agent_presence(kyros.db, now(), lease),
        recent_model_figures(kyros.db, kyros.catalog.names()),
        open_alert_counts(kyros.db),
        kyros.engine.failures(),
    )


def _projections(
    kyros: Kyros,
    head: int | None,
    positions: dict[str, int],
    failures: dict[str, Any],
    issues: list[str],
) -> dict[str, Any]:
    report = {}
    for worker in kyros.projections.workers:
        state = worker.state
        position = positions.get(worker.name)
        lag = max(head - position, 0) if head is not None and position is not None else None
        failure = failures.get(worker.name)
        if failure is not None:
            issues.append(
                f"projection {worker.name} is stuck: it cannot apply event {failure.position}"
                f" ({failure.event_type}): {failure.error}"
            )
        elif state.status != "running":
            issues.append(f"projection {worker.name}: its worker is {state.status}")
        elif lag is not None and lag >= LAG_DEGRADED:
            issues.append(f"projection {worker.name} lags the log by {lag} events")
        report[worker.name] = {
            "status": "stuck" if failure is not None else "ok",
            "position": position,
            "lag": lag,
            "worker_alive": state.running,
            "worker_status": state.status,
            "leader": state.leader,
            "restarts": state.restarts,
            "last_error": state.last_error,
            "last_error_at": state.last_error_at,
            "failure": failure.as_report() if failure is not None else None,
        }
    return report


def _component(state: WorkerState) -> dict[str, Any]:
    return {
        "status": "healthy" if state.status == "running" else "degraded",
        "state": state.status,
        "leader": state.leader,
        "uptime_seconds": state.uptime_seconds,
        "started_at": state.started_at,
        "restarts": state.restarts,
        "last_error": state.last_error,
        "last_error_at": state.last_error_at,
    }


def _audit_lag(chain: dict[str, Any], kyros: Kyros, head: int | None, issues: list[str]) -> None:
    """The chaining worker's lag: events not yet linked (nor covered by verification)."""
    if head is None:
        chain.update(chain_head=None, lag=None)
        return
    try:
        chained = audit_chain_head(kyros.db)
    except Exception as error:  # reported, never fatal to the health report
        log.warning("health: reading the audit chain failed: %s", error)
        chain.update(chain_head=None, lag=None)
        return
    lag = max(head - chained, 0)
    chain.update(chain_head=chained, lag=lag)
    if kyros.audit.refusal is not None:
        chain["status"] = "degraded"
        issues.append(f"the audit chain signs no checkpoint: {kyros.audit.refusal}")
    if lag >= LAG_DEGRADED:
        chain["status"] = "degraded"
        issues.append(f"the audit chain lags the log by {lag} events")


def _websocket_upgrades(hub: dict[str, Any], issues: list[str]) -> None:
    """A running hub is useless when the server cannot upgrade a connection to reach it."""
    library = upgrade_library()
    hub["upgrade_library"] = library
    if library is None:
        hub["status"] = "unhealthy"
        issues.append(
            "websocket_hub cannot accept connections: no WebSocket library "
            f"({' or '.join(UPGRADE_LIBRARIES)}) is installed"
        )


def _projection_workers(states: Sequence[WorkerState]) -> dict[str, Any]:
    """Uptime is the shortest current run: how long every worker has been up together."""
    down = [state.name.removeprefix("projection:") for state in states if not state.running]
    uptimes = [state.uptime_seconds or 0.0 for state in states if state.running]
    return {
        "status": "degraded" if down else "healthy",
        "running": len(states) - len(down),
        "total": len(states),
        "not_running": down,
        "uptime_seconds": min(uptimes) if uptimes and not down else None,
        "restarts": sum(state.restarts for state in states),
    }


def _agent_runner(agents: dict[str, Any] | None) -> dict[str, Any]:
    """Agents run elsewhere: live means seen (heartbeat or claim) within one lease."""
    if agents is None:
        return {"status": "unknown", "live_agents": None, "registered_agents": None}
    return {"status": "healthy" if agents["live_agents"] else "unavailable", **agents}
