"""Every read model Kyros maintains, by name."""

from __future__ import annotations

from kyros.projections.agent_roles import AgentRolesProjection
from kyros.projections.agents import AgentsProjection
from kyros.projections.alerts import AlertsProjection
from kyros.projections.analytics import AnalyticsProjection
from kyros.projections.api_keys import ApiKeysProjection
from kyros.projections.budget_limits import BudgetLimitsProjection
from kyros.projections.budgets import BudgetsProjection
from kyros.projections.configuration import ConfigurationProjection
from kyros.projections.cost_ledger import CostLedgerProjection
from kyros.projections.engine import Projection
from kyros.projections.escalations import EscalationsProjection
from kyros.projections.model_performance import ModelPerformanceProjection
from kyros.projections.queue import QueueProjection
from kyros.projections.task_costs import TaskCostsProjection
from kyros.projections.tasks import TasksProjection
from kyros.projections.token_families import TokenFamiliesProjection
from kyros.projections.users import UsersProjection
from kyros.projections.webhooks import WebhooksProjection
from kyros.webhooks.outbox import WebhookOutboxProjection


def all_projections() -> list[Projection]:
    return [
        TasksProjection(),
        ConfigurationProjection(),
        UsersProjection(),
        ApiKeysProjection(),
        TokenFamiliesProjection(),
        QueueProjection(),
        AgentsProjection(),
        ModelPerformanceProjection(),
        AnalyticsProjection(),
        AgentRolesProjection(),
        WebhooksProjection(),
        WebhookOutboxProjection(),
        EscalationsProjection(),
        BudgetsProjection(),
        AlertsProjection(),
        BudgetLimitsProjection(),
        TaskCostsProjection(),
        CostLedgerProjection(),
    ]
