"""Alert commands: an operator acknowledges an alert, then resolves it; a stuck read model
raises one, and resolves it once past the event."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from kyros.domain.alert import Alert
from kyros.domain.errors import Conflict
from kyros.domain.escalation_errors import AlertNotFound
from kyros.ids import parse_id
from kyros.store.application import KyrosApplication


def load_alert(app: KyrosApplication, alert_id: str) -> Alert:
    uuid = parse_id("alert", alert_id)
    if uuid is None:
        raise AlertNotFound(alert_id)
    return app.load(uuid, lambda: AlertNotFound(alert_id))  # type: ignore[no-any-return]


def acknowledge_alert(app: KyrosApplication, alert_id: str, note: str | None, actor: str) -> int:
    alert = load_alert(app, alert_id)
    alert.acknowledge(note=note, actor=actor)
    return app.save_all(alert)


def resolve_alert(app: KyrosApplication, alert_id: str, note: str | None, actor: str) -> int:
    alert = load_alert(app, alert_id)
    alert.resolve(note=note, actor=actor)
    return app.save_all(alert)


def raise_projection_alert(
    app: KyrosApplication, projection: str, position: int, event_type: str, error: str
) -> int:
    """One alert per read model and event, however many processes or retries see it fail:
    its id is derived from both, and a second raise conflicts. 0 if already raised."""
    alert = Alert(
        alert_id=_projection_alert_id(projection, position),
        alert_type="projection_failed",
        severity="critical",
        message=f"Read model {projection} is stuck: it cannot apply event {position}",
        details={
            "projection": projection,
            "position": position,
            "event_type": event_type,
            "error": error,
        },
        actor="system",
    )
    try:
        return app.save_all(alert)
    except Conflict:
        return 0


def resolve_projection_alert(app: KyrosApplication, projection: str, position: int) -> int:
    """Resolves, as "system", the alert raised for a read model stuck at `position` once it
    got past it; 0 if none was raised (it recovered within its retries) or it is resolved."""
    alert_id = _projection_alert_id(projection, position)
    try:
        alert: Alert = app.load(alert_id, lambda: AlertNotFound(str(alert_id)))
    except AlertNotFound:
        return 0
    if alert.status == "resolved":
        return 0
    note = f"Read model {projection} got past event {position}; resolved automatically"
    alert.resolve(note=note, actor="system")
    try:
        return app.save_all(alert)
    except Conflict:  # an operator, or another process, resolved it meanwhile
        return 0


def _projection_alert_id(projection: str, position: int) -> UUID:
    """One alert per read model and event: every process derives the same id."""
    return uuid5(NAMESPACE_URL, f"kyros:projection-failed:{projection}:{position}")
