"""Each single-entity read as of a point: the entity's aggregates' events replayed through its
live projection, then the live query function over the result (so the shape cannot drift)."""

from __future__ import annotations

from typing import Any

from kyros.domain.agent_role import agent_role_id
from kyros.domain.agent_roles import AgentRoleConfig, default_role_config
from kyros.domain.budget import BUDGET_BOOK_ID
from kyros.domain.budget_ledger import ledger_id, period_start
from kyros.domain.configuration import CONFIGURATION_ID
from kyros.eventstore.application import KyrosApplication
from kyros.ids import parse_id
from kyros.projections.agent_roles import AgentRolesProjection
from kyros.projections.budgets import BudgetsProjection
from kyros.projections.configuration import ConfigurationProjection
from kyros.projections.escalations import EscalationsProjection
from kyros.projections.jsondoc import loads
from kyros.projections.tasks import TasksProjection
from kyros.projections.users import UsersProjection
from kyros.projections.webhooks import WebhooksProjection
from kyros.queries.agent_roles import get_role_config
from kyros.queries.budgets import get_budget
from kyros.queries.configuration import get_configuration
from kyros.queries.escalations import get_escalation
from kyros.queries.identity import get_user
from kyros.queries.tasks import get_task
from kyros.queries.webhooks import get_webhook
from kyros.readstore.database import Database
from kyros.timetravel import replay
from kyros.timetravel.point import Point
from kyros.webhooks.outbox import WebhookOutboxProjection

App = KyrosApplication


def task_at(app: App, db: Database, task_id: str, point: Point) -> dict[str, Any] | None:
    """The task's row depends on its own events only (`Task.*` on its aggregate)."""
    uuid = parse_id("task", task_id)
    if uuid is None:
        return None
    with replay.replayed(app, db, [TasksProjection()], [uuid], point) as past:
        return get_task(past, task_id)


def escalation_at(app: App, db: Database, escalation_id: str, point: Point) -> dict | None:
    uuid = parse_id("esc", escalation_id)
    if uuid is None:
        return None
    with replay.replayed(app, db, [EscalationsProjection()], [uuid], point) as past:
        return get_escalation(past, escalation_id)


def webhook_at(app: App, db: Database, webhook_id: str, point: Point) -> dict | None:
    """Deliveries are not replayed: when one was last attempted is the dispatcher's record,
    not the log's, so `last_triggered` is null in the past."""
    uuid = parse_id("webhook", webhook_id)
    if uuid is None:
        return None
    projections = [WebhooksProjection(), WebhookOutboxProjection()]
    replay.check_bounded(db, [uuid], point)
    past = replay.scratch()
    try:
        replay.create(past, projections)
        replay.apply(app, db, past, projections[:1], [uuid], point.position)
        return get_webhook(past, webhook_id)
    finally:
        past.close()


def user_at(app: App, db: Database, user_id: str, point: Point) -> dict | None:
    uuid = parse_id("user", user_id)
    if uuid is None:
        return None
    with replay.replayed(app, db, [UsersProjection()], [uuid], point) as past:
        return get_user(past, user_id)


def configuration_at(app: App, db: Database, point: Point) -> dict[str, Any]:
    """Before any change, the defaults: what the live read answered then."""
    with replay.replayed(app, db, [ConfigurationProjection()], [CONFIGURATION_ID], point) as past:
        return get_configuration(past)


def role_config_at(app: App, db: Database, role: str, point: Point) -> AgentRoleConfig:
    default_role_config(role)  # RoleNotFound for a role outside the four, before any work
    originators = [agent_role_id(role)]
    with replay.replayed(app, db, [AgentRolesProjection()], originators, point) as past:
        return get_role_config(past, role)


def budget_at(app: App, db: Database, budget_id: str, point: Point) -> dict | None:
    """Definitions live on one BudgetBook; spending on one ledger per budget and period. The
    book is replayed first, then the ledger of the period holding `point.instant` under the
    budget's period then (a ledger's rows never read a definition's, so order between the two
    aggregates' events does not matter)."""
    if parse_id("budget", budget_id) is None:
        return None
    projection = BudgetsProjection()
    replay.check_bounded(db, [BUDGET_BOOK_ID], point)
    past = replay.scratch()
    try:
        replay.create(past, [projection])
        replay.apply(app, db, past, [projection], [BUDGET_BOOK_ID], point.position)
        with past.transaction(write=False) as tx:
            row = tx.execute("SELECT doc FROM rm_budgets WHERE id = ?", (budget_id,)).fetchone()
        if row is None:
            return None
        start = period_start(loads(row["doc"])["period"], point.instant)
        ledger = [ledger_id(budget_id, start)]
        replay.check_bounded(db, ledger, point)
        replay.apply(app, db, past, [projection], ledger, point.position)
        return get_budget(past, budget_id, point.instant)
    finally:
        past.close()
