"""The `data` each operation's success envelope carries, as msgspec types for the OpenAPI document.

Handlers build their answers from read-model views (dicts); these types only describe them.
Fields are named as the views name them; `Obj` is a JSON object this document does not detail.
Decimal amounts are JSON numbers (`float` here); times are ISO 8601 strings.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType, defstruct

from kyros.domain.agent_roles import RoleConstraints, RolePreferences
from kyros.domain.configuration import RULES
from kyros.domain.model_catalog import Connection, Limits
from kyros.domain.routing import EscalationRules, RoutingReasoning
from kyros.http.openapi_monitoring_data import CostAnalysis, PerformanceMetrics, SystemHealth

Obj = dict[str, Any]
Metadata = Annotated[
    Obj,
    Meta(
        description="Free-form: the client's own keys, plus `model_used`, `cost` and "
        "`actual_hours` once the task completes."
    ),
]
Results = Annotated[Obj, Meta(description="Free-form: the JSON object the agent reported.")]
Context = Annotated[Obj, Meta(description="Free-form: the JSON object its submitter supplied.")]
AlertDetails = Annotated[
    Obj, Meta(description="Free-form: the figures behind the alert; their keys depend on its type.")
]
EstimatedHours = Annotated[
    Any, Meta(description="A copy of `metadata.estimated_hours` as the client gave it, or null.")
]


class Pagination(Struct):
    total: int
    limit: int
    offset: int
    has_more: bool


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


class TaskPage(Struct):
    tasks: list[TaskSummary]
    pagination: Pagination


class User(Struct):
    id: str
    username: str
    email: str | None
    name: str | None
    roles: list[str]
    permissions: list[str]
    status: str
    locked: bool
    created_at: str
    last_login: str | None


class UserPage(Struct):
    users: list[User]
    pagination: Pagination


class Profile(Struct):
    id: str
    email: str | None
    name: str | None
    roles: list[str]
    permissions: list[str]
    created_at: str | None
    last_login: str | None


class LoginUser(Struct):
    id: str
    email: str | None
    roles: list[str]


class Tokens(Struct):
    access_token: str
    token_type: str
    expires_in: int


class Login(Struct):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    user: LoginUser


class LoggedOut(Struct):
    session_id: str
    status: str


class OAuth2Start(Struct):
    authorization_url: str
    state: str


class ApiKey(Struct):
    id: str
    name: str
    prefix: str
    role: str
    status: str
    created_by: str
    created_at: str
    revoked_by: str | None
    revoked_at: str | None


class NewApiKey(ApiKey):
    key: str  # shown once


class ApiKeyList(Struct):
    api_keys: list[ApiKey]


class Webhook(Struct):
    id: str
    url: str
    events: list[str]
    description: str | None
    status: str
    disabled_reason: str | None
    created_by: str
    created_at: str
    updated_at: str
    last_triggered: str | None
    secret_rotated_at: str | None
    previous_secret_expires_at: str | None


class WebhookWithSecret(Webhook):
    secret: str  # shown once


class WebhookList(Struct):
    webhooks: list[Webhook]


class DeliveryAttempt(Struct):
    attempt: int
    started_at: str
    status_code: int | None
    latency_ms: int
    error: str | None
    response_body: str | None
    response_truncated: bool


class Delivery(Struct):
    """`next_attempt_at` only while pending; `redelivery_of` names the delivery it repeats."""

    id: str
    webhook_id: str
    message_id: str
    event_type: str
    position: int
    status: str
    attempts: int
    created_at: str
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    completed_at: str | None
    redelivery_of: str | None
    requested_by: str | None
    attempt_log: list[DeliveryAttempt]


class DeliveryPage(Struct):
    deliveries: list[Delivery]
    pagination: Pagination


class BudgetPeriod(Struct):
    """`end` is exclusive; `remaining` is negative when a soft budget is overcommitted;
    `utilization` is a percent of the limit (null for a zero limit)."""

    start: str
    end: str
    spent: float
    reserved: float
    committed: float
    remaining: float
    utilization: float | None
    open_reservations: int


class Budget(Struct):
    id: str
    name: str
    period: str
    limit: float
    scope: str
    scope_value: str | None
    enforcement: str
    alert_threshold: float
    enabled: bool
    created_by: str
    created_at: str
    updated_at: str
    current_period: BudgetPeriod


class BudgetList(Struct):
    budgets: list[Budget]


_SETTING_TYPES = {"bool": bool, "int": int, "decimal": float, "str": str}


def _section(name: str) -> type[Struct]:
    """One configuration section, field by field from the rules the aggregate enforces."""
    fields = [(key, _SETTING_TYPES[rule.kind]) for key, rule in RULES[name].items()]
    return defstruct(f"{name.capitalize()}Settings", fields)


SystemSettings = _section("system")
ModelsSettings = _section("models")
EscalationSettings = _section("escalation")
MonitoringSettings = _section("monitoring")
SecuritySettings = _section("security")


class ConfigurationSections(Struct):
    system: SystemSettings  # type: ignore[valid-type]
    models: ModelsSettings  # type: ignore[valid-type]
    escalation: EscalationSettings  # type: ignore[valid-type]
    monitoring: MonitoringSettings  # type: ignore[valid-type]
    security: SecuritySettings  # type: ignore[valid-type]


class AgentRole(Struct):
    role: str
    enabled: bool
    default_model: str
    available_models: list[str]
    capabilities: list[str]
    preferences: RolePreferences
    constraints: RoleConstraints
    escalation_rules: EscalationRules


class AgentRoleSummary(Struct):
    role: str
    enabled: bool
    default_model: str
    capabilities: list[str]
    constraints: RoleConstraints
    preferences: RolePreferences


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


class OpenedEscalation(Struct):
    """`rule` says which configured rule approved it at once, or why it waits for a person."""

    escalation_id: str
    task_id: str
    status: str
    submitted_at: str
    estimated_cost: float
    approval_required: bool
    workflow_id: str
    rule: str


class Escalation(Struct):
    """An escalation's whole story: each `*_at`/`*_by` stays null until that step happened."""

    escalation_id: str
    workflow_id: str
    task_id: str
    status: str
    original_model: str
    target_model: str
    fallback_model: str
    reason: str
    context: Context
    priority: str
    confidence: float
    estimated_cost: float
    actual_cost: float | None
    requested_by: str
    submitted_at: str
    expires_at: str
    approval_required: bool
    auto_approved: bool
    rule: str | None
    decided_at: str | None
    decided_by: str | None
    decision_reason: str | None
    approver_comments: str | None
    approved_at: str | None
    approved_by: str | None
    rejected_at: str | None
    expired_at: str | None
    withdrawn_at: str | None
    withdrawal_reason: str | None
    completed_at: str | None
    result: str | None
    overdue_alert_id: str | None


class EscalationPage(Struct):
    escalations: list[Escalation]
    pagination: Pagination


class Alert(Struct):
    id: str
    type: str
    severity: str
    status: str
    message: str
    details: AlertDetails
    created_at: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    acknowledgement_note: str | None
    resolved_at: str | None
    resolved_by: str | None
    resolution_note: str | None


class AlertPage(Struct):
    alerts: list[Alert]
    pagination: Pagination


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
    "GetAlerts": AlertPage,
    "AcknowledgeAlert": Alert,
    "ResolveAlert": Alert,
}
