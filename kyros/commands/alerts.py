"""Alert commands: an operator acknowledges an alert, then resolves it."""

from __future__ import annotations

from kyros.domain.alert import Alert
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
