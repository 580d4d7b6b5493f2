"""The `data` each operation's success envelope carries, as msgspec types for the OpenAPI document.

Handlers build their answers from read-model views (dicts); these types only describe them.
Fields are named as the views name them; `Obj` is a JSON object this document does not detail.
Decimal amounts are JSON numbers (`float` here); times are ISO 8601 strings. Tasks, agents and
models are here with the `DATA` table; the other resources' shapes are in the modules beside it
(`openapi_identity_data`, `openapi_webhook_data`, `openapi_money_data`,
`openapi_configuration_data`, `openapi_monitoring_data`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from kyros.domain.model_catalog import Connection, Limits
from kyros.domain.routing import RoutingReasoning
from kyros.http.openapi_analysis_data import WhatIf
from kyros.http.openapi_audit_data import AUDIT_DATA
from kyros.http.openapi_common_data import Context, Obj, Pagination
from kyros.http.openapi_configuration_data import AgentRole, AgentRoleSummary, ConfigurationSections
from kyros.http.openapi_costs_data import LedgerPage
from kyros.http.openapi_event_data import EVENT_DATA
from kyros.http.openapi_identity_data import (
    ApiKey,
    ApiKeyList,
    LoggedOut,
    Login,
    NewApiKey,
    OAuth2Providers,
    OAuth2Start,
    Profile,
    Tokens,
    User,
    UserPage,
)
from kyros.http.openapi_money_data import (
    Budget,
    BudgetList,
    BudgetPeriodPage,
    Escalation,
    EscalationPage,
    OpenedEscalation,
)
from kyros.http.openapi_monitoring_data import (
    Alert,
    AlertPage,
    CostAnalysis,
    PerformanceMetrics,
    SystemHealth,
)
from kyros.http.openapi_webhook_data import (
    Delivery,
    DeliveryPage,
    Webhook,
    WebhookList,
    WebhookWithSecret,
)

Metadata = Annotated[
    Obj,
    Meta(
        description="Free-form: the client's own keys, plus `model_used`, `cost` and "
        "`actual_hours` once the task completes."
    ),
]
Results = Annotated[Obj, Meta(description="Free-form: the JSON object the agent reported.")]
EstimatedHours = Annotated[
    Any, Meta(description="A copy of `metadata.estimated_hours` as the client gave it, or null.")
]


class TaskProgress(Struct):
    completed_steps: int
    total_steps: int
    percentage: int
    current_step: str | None


class Sampling(Struct, kw_only=True):
    """The role's sampling defaults overridden by the submitter's (absent from submissions
    recorded before they were kept)."""

    temperature: float | UnsetType = UNSET
    max_tokens: int | UnsetType = UNSET
    timeout: int | UnsetType = UNSET


class TaskSubmission(Struct, kw_only=True):
    """The task's latest submission to an agent role; `requeued_because` once requeued."""

    submission_id: str
    role: str
    model: str
    premium: bool
    estimated_cost: float
    estimated_duration: int
    waiting_on: list[str]
    submitted_at: str
    retries: int
    context: Context
    preferences: Sampling
    requeued_because: str | UnsetType = UNSET


class TaskEscalation(Struct):
    escalation_id: str
    status: str


class BudgetReservation(Struct):
    amount: float
    model: str
    budgets: int


class Cancellation(Struct):
    reason: str | None
    cancelled_by: str
    cancelled_at: str


class Task(Struct):
    id: str
    title: str
    description: str
    type: str
    status: str
    priority: str
    assignee_role: str | None
    created_at: str
    created_by: str
    assigned_to: str | None
    files_to_modify: list[str]
    acceptance_criteria: list[str]
    dependencies: list[str]
    tags: list[str]
    deadline: str | None
    metadata: Metadata
    progress: TaskProgress | None
    results: Results | None
    feedback: str | None
    error: str | None
    submission: TaskSubmission | None
    escalation: TaskEscalation | None
    budget_reservation: BudgetReservation | None
    cancellation: Cancellation | None
    started_at: str | None
    completed_at: str | None
    estimated_hours: EstimatedHours
    updated_at: str
    version: int


class SummaryMetadata(Struct):
    """`cost`: the exact USD a completion recorded; null before (or when a client's own
    `cost` key is not a number)."""

    cost: float | None


class TaskSummary(Struct):
    id: str
    title: str
    status: str
    type: str
    priority: str
    assignee_role: str | None
    created_by: str
    assigned_to: str | None
    tags: list[str]
    created_at: str
    updated_at: str
    deadline: str | None
    progress: TaskProgress | None
    model: Annotated[
        str | None,
        Meta(
            description="The model the task ran on (`metadata.model_used`) once completed, "
            "else the model its submission is routed to; null before submission."
        ),
    ]
    metadata: SummaryMetadata


class TaskPage(Struct):
    tasks: list[TaskSummary]
    pagination: Pagination


class ModelSummary(Struct):
    name: str
    provider: str
    status: str


class ModelList(Struct):
    models: list[ModelSummary]
    default_model: str
    escalation_model: str


class ModelPricing(Struct):
    """In `currency` per 1,000 tokens."""

    input_tokens: float
    output_tokens: float
    cached_input_tokens: float
    currency: str


class ModelPerformance(Struct):
    """Null until something was measured; `success_rate` in percent, `quality_score` 0-10."""

    average_response_time: float | None
    success_rate: float | None
    tasks_completed: int
    tasks_failed: int
    quality_score: float | None
    performance_tracking: bool


class Model(ModelSummary):
    recommended_usage: str
    capabilities: list[str]
    limits: Limits
    pricing: ModelPricing
    connection: Connection
    performance: ModelPerformance


class Registration(Struct):
    agent_id: str
    role: str
    capacity: int
    lease_seconds: float
    heartbeat_interval_seconds: float


class Heartbeat(Struct):
    """`leases`: the ids of the submissions the agent still holds."""

    agent_id: str
    leases: list[str]


class ClaimedSubmission(Struct):
    submission_id: str
    task_id: str
    role: str
    model: str
    lease_expires_at: str
    task: Task
    context: Context
    preferences: Sampling


class Claim(Struct):
    """`submission` is null when nothing was queued for the agent's role within `wait`."""

    submission: ClaimedSubmission | None


class SubmissionEscalation(Struct):
    escalation_id: str
    status: str
    approval_required: bool
    rule: str


class AgentSubmission(Struct):
    """`agent_id` stays null until an agent claims the submission; `escalation` is set when
    the work was routed to the premium model."""

    submission_id: str
    task_id: str
    role: str
    agent_id: str | None
    status: Literal["accepted", "awaiting_approval", "waiting"]
    estimated_duration: int
    estimated_cost: float
    model_assigned: str
    submitted_at: str
    escalation: SubmissionEscalation | None


class ModelSelection(Struct):
    selected_model: str
    confidence_score: float
    reasoning: RoutingReasoning
    estimated_cost: float
    estimated_duration: int
    fallback_model: str | None


class Status(Struct):
    status: str


class RolePerformance(Struct):
    """Today (UTC): `average_task_duration` in hours, both null before anything completed."""

    tasks_completed_today: int
    average_task_duration: float | None
    cost_per_task: float | None


class AgentStatus(Struct):
    role: str
    available_agents: int
    active_tasks: int
    queue_length: int
    average_response_time: float | None
    success_rate: float | None
    current_models: Annotated[
        dict[str, float],
        Meta(description="Percent of in-flight and last-24-hour work per model name."),
    ]
    performance: RolePerformance


DATA: dict[str, Any] = {
    "CreateTask": Task,
    "GetTask": Task,
    "UpdateTask": Task,
    "CancelTask": Task,
    "ListTasks": TaskPage,
    "GetConfiguration": ConfigurationSections,
    "UpdateConfiguration": ConfigurationSections,
    "Login": Login,
    "RefreshToken": Login,
    "IssueToken": Tokens,
    "CompleteOAuth2Login": Login,
    "StartOAuth2Login": OAuth2Start,
    "ListOAuth2Providers": OAuth2Providers,
    "GetCurrentUser": Profile,
    "Logout": LoggedOut,
    "CreateUser": User,
    "GetUser": User,
    "ListUsers": UserPage,
    "GrantRole": User,
    "RevokeRole": User,
    "ChangePassword": User,
    "DisableUser": User,
    "EnableUser": User,
    "UnlockUser": User,
    "CreateApiKey": NewApiKey,
    "ListApiKeys": ApiKeyList,
    "RevokeApiKey": ApiKey,
    "GetLiveness": Status,
    "GetReadiness": Status,
    "CreateWebhook": WebhookWithSecret,
    "ListWebhooks": WebhookList,
    "GetWebhook": Webhook,
    "UpdateWebhook": Webhook,
    "DeleteWebhook": Webhook,
    "RotateWebhookSecret": WebhookWithSecret,
    "TestWebhook": Delivery,
    "ListWebhookDeliveries": DeliveryPage,
    "RedeliverWebhookDelivery": Delivery,
    "ListModels": ModelList,
    "GetModel": Model,
    "SelectModel": ModelSelection,
    "GetCostAnalysis": CostAnalysis,
    "RunWhatIf": WhatIf,
    "GetPerformanceMetrics": PerformanceMetrics,
    "GetSystemHealth": SystemHealth,
    "GetAgentConfiguration": AgentRole,
    "UpdateAgentConfiguration": AgentRole,
    "GetAgentStatus": AgentStatus,
    "SubmitTaskToAgent": AgentSubmission,
    "GetAgentRoleConfiguration": AgentRoleSummary,
    "RegisterAgent": Registration,
    "AgentHeartbeat": Heartbeat,
    "ClaimWork": Claim,
    "CompleteSubmission": Task,
    "FailSubmission": Task,
    "ReportSubmissionProgress": Task,
    "SubmitEscalation": OpenedEscalation,
    "DecideEscalation": Escalation,
    "GetEscalationStatus": Escalation,
    "ListEscalations": EscalationPage,
    "CreateBudget": Budget,
    "GetBudget": Budget,
    "UpdateBudget": Budget,
    "DeleteBudget": Budget,
    "ListBudgets": BudgetList,
    "ListBudgetPeriods": BudgetPeriodPage,
    "GetAlerts": AlertPage,
    "AcknowledgeAlert": Alert,
    "ResolveAlert": Alert,
    **EVENT_DATA,
    **AUDIT_DATA,
    "GetCostLedger": LedgerPage,
}
