"""Per-entity histories: every event of one task, escalation, budget, webhook, user, agent
role or of the configuration, in log order, under the `read_audit` permission."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from kyros.bootstrap import Kyros
from kyros.domain.budget_errors import BudgetNotFound
from kyros.domain.errors import NotFound, TaskNotFound
from kyros.domain.escalation_errors import EscalationNotFound
from kyros.domain.event_view import CONFIGURATION_ENTITY
from kyros.domain.identity_errors import UserNotFound
from kyros.domain.routing_errors import RoleNotFound
from kyros.domain.vocabulary import ROLES
from kyros.domain.webhook import WebhookNotFound
from kyros.http.auth import requires
from kyros.http.consistency import reads
from kyros.http.dependencies import in_thread
from kyros.http.envelope import ok
from kyros.queries.entity_history import budget_query, entity_query, exists
from kyros.queries.events import EventQuery, read_page
from kyros.readstore.database import Database
from kyros.timefmt import now

_AUDIT = [requires("read_audit")]
MAX_POSITION = 2**63 - 1
After = Parameter(default=0, ge=0, le=MAX_POSITION)
Limit = Parameter(default=100, ge=1, le=1_000)


class HistoryController(Controller):
    path = "/"
    opt = reads()  # read from the log itself
    tags = ["Audit"]

    @get("/tasks/{task_id:str}/history", operation_id="GetTaskHistory", guards=_AUDIT)
    async def task(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        task_id: str,
        after: int = After,
        limit: int = Limit,
    ) -> Response[bytes]:
        query = entity_query("task", task_id, after, limit)
        return ok(request, await _page(kyros.db, query, TaskNotFound(task_id)))

    @get(
        "/escalations/{escalation_id:str}/history",
        operation_id="GetEscalationHistory",
        guards=_AUDIT,
    )
    async def escalation(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        escalation_id: str,
        after: int = After,
        limit: int = Limit,
    ) -> Response[bytes]:
        query = entity_query("escalation", escalation_id, after, limit)
        return ok(request, await _page(kyros.db, query, EscalationNotFound(escalation_id)))

    @get("/budgets/{budget_id:str}/history", operation_id="GetBudgetHistory", guards=_AUDIT)
    async def budget(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        budget_id: str,
        after: int = After,
        limit: int = Limit,
    ) -> Response[bytes]:
        """The budget's definitions and every event of its period ledgers."""
        today = now().date()
        query = await in_thread(budget_query, kyros.db, budget_id, after, limit, today)
        if query is None:
            raise BudgetNotFound(budget_id)
        return ok(request, await _page(kyros.db, query, None))

    @get("/webhooks/{webhook_id:str}/history", operation_id="GetWebhookHistory", guards=_AUDIT)
    async def webhook(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        webhook_id: str,
        after: int = After,
        limit: int = Limit,
    ) -> Response[bytes]:
        query = entity_query("webhook", webhook_id, after, limit)
        return ok(request, await _page(kyros.db, query, WebhookNotFound(webhook_id)))

    @get("/users/{user_id:str}/history", operation_id="GetUserHistory", guards=_AUDIT)
    async def user(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        user_id: str,
        after: int = After,
        limit: int = Limit,
    ) -> Response[bytes]:
        query = entity_query("user", user_id, after, limit)
        return ok(request, await _page(kyros.db, query, UserNotFound(user_id)))

    @get(
        "/configuration/agents/{role:str}/history",
        operation_id="GetAgentRoleHistory",
        guards=_AUDIT,
    )
    async def agent_role(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        role: str,
        after: int = After,
        limit: int = Limit,
    ) -> Response[bytes]:
        """A role's settings exist (as defaults) before their first change: never 404."""
        if role not in ROLES:
            raise RoleNotFound(role)
        query = entity_query("agent_role", role, after, limit)
        return ok(request, await _page(kyros.db, query, None))

    @get("/configuration/history", operation_id="GetConfigurationHistory", guards=_AUDIT)
    async def configuration(
        self,
        request: Request[Any, Any, Any],
        kyros: Kyros,
        after: int = After,
        limit: int = Limit,
    ) -> Response[bytes]:
        query = entity_query("configuration", CONFIGURATION_ENTITY, after, limit)
        return ok(request, await _page(kyros.db, query, None))


async def _page(db: Database, query: EventQuery, missing: NotFound | None) -> dict[str, Any]:
    """404 with `missing` when the log holds nothing of the entity (None: it always exists)."""
    events, next_after = await in_thread(read_page, db, query)
    if missing is not None and not events and not await in_thread(exists, db, query):
        raise missing
    return {"events": events, "next_after": next_after}
