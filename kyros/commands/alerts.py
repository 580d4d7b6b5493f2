"""Alert commands: an operator acknowledges an alert, then resolves it; a stuck read model
raises one, and resolves it once past the event."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from kyros.commands.loading import Lookup
from kyros.domain.alert import Alert
from kyros.domain.alert_errors import AlertNotFound
from kyros.domain.errors import Conflict
from kyros.eventstore.application import KyrosApplication

ALERTS: Lookup[Alert] = Lookup("alert", AlertNotFound)


class AcknowledgeAlert(msgspec.Struct, frozen=True, kw_only=True):
    alert_id: str
    note: str | None
    actor: str


class ResolveAlert(msgspec.Struct, frozen=True, kw_only=True):
    alert_id: str
    note: str | None
    actor: str


def acknowledge_alert(app: KyrosApplication, cmd: AcknowledgeAlert) -> int:
    alert = ALERTS.load(app, cmd.alert_id)
    alert.acknowledge(note=cmd.note, actor=cmd.actor)
    return app.save_all(alert)


def resolve_alert(app: KyrosApplication, cmd: ResolveAlert) -> int:
    alert = ALERTS.load(app, cmd.alert_id)
    alert.resolve(note=cmd.note, actor=cmd.actor)
    return app.save_all(alert)


class RaiseProjectionAlert(msgspec.Struct, frozen=True, kw_only=True):
    """A read model cannot apply the event at `position`."""

    projection: str
    position: int
    event_type: str
    error: str


class ResolveProjectionAlert(msgspec.Struct, frozen=True, kw_only=True):
    """The read model got past the event at `position`."""

    projection: str
    position: int


def raise_projection_alert(app: KyrosApplication, cmd: RaiseProjectionAlert) -> int:
    """One alert per read model and event, however many processes or retries see it fail:
    its id is derived from both, and a second raise conflicts. 0 if already raised."""
    try:
        return app.save_all(_projection_alert(cmd))
    except Conflict:
        return 0


def resolve_projection_alert(app: KyrosApplication, cmd: ResolveProjectionAlert) -> int:
    """Resolves, as "system", the alert raised for a read model stuck at `position` once it
    got past it; 0 if none was raised (it recovered within its retries) or it is resolved."""
    alert_id = _projection_alert_id(cmd.projection, cmd.position)
    try:
        alert: Alert = app.load(alert_id, lambda: AlertNotFound(str(alert_id)))
    except AlertNotFound:
        return 0
    if alert.status == "resolved":
        return 0
    note = f"Read model {cmd.projection} got past event {cmd.position}; resolved automatically"
    alert.resolve(note=note, actor="system")
    try:
        return app.save_all(alert)
    except Conflict:  # an operator, or another process, resolved it meanwhile
        return 0


def _projection_alert(cmd: RaiseProjectionAlert) -> Alert:
    return Alert(
        alert_id=_projection_alert_id(cmd.projection, cmd.position),
        alert_type="projection_failed",
        severity="critical",
        message=f"Read model {cmd.projection} is stuck: it cannot apply event {cmd.position}",
        details={
            "projection": cmd.projection,
            "position": cmd.position,
            "event_type": cmd.event_type,
            "error": cmd.error,
        },
        actor="system",
    )


def _projection_alert_id(projection: str, position: int) -> UUID:
    """One alert per read model and event: every process derives the same id."""
    return uuid5(NAMESPACE_URL, f"kyros:projection-failed:{projection}:{position}")
