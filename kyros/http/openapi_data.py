"""The `data` each operation's success envelope carries, as msgspec types for the OpenAPI document.

Handlers build their answers from read-model views (dicts); these types only describe them.
Fields are named as the views name them; `Obj` is a JSON object this document does not detail.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from kyros.domain.agent_roles import RoleConstraints, RolePreferences
from kyros.domain.routing import EscalationRules

Obj = dict[str, Any]


class Pagination(Struct):
    total: int
    limit: int
    offset: int
    has_more: bool


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
    metadata: Obj
    progress: Obj | None
    results: Any
    feedback: Any
    error: Any
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


class WebhookWithSecret(Webhook):
    secret: str  # shown once


class WebhookList(Struct):
    webhooks: list[Webhook]


class DeliveryPage(Struct):
    deliveries: list[Obj]
    pagination: Pagination


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
    created_at: str
    updated_at: str
    current_period: Obj


class BudgetList(Struct):
    budgets: list[Budget]


class ConfigurationSections(Struct):
    system: Obj
    models: Obj
    escalation: Obj
    monitoring: Obj
    security: Obj


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


class Model(ModelSummary):
    capabilities: list[str]
    limits: Obj
    pricing: Obj


class Registration(Struct):
    agent_id: str
    role: str
    capacity: int
    lease_seconds: int
    heartbeat_interval_seconds: int


class Heartbeat(Struct):
    agent_id: str
    leases: list[Obj]


class Status(Struct):
    status: str


class AgentStatus(Struct):
    role: str
    available_agents: int
    active_tasks: int
    queue_length: int
    average_response_time: float | None
    success_rate: float | None
    current_models: Obj
    performance: Obj


class CostAnalysis(Struct):
    period: str
    total_cost: float
    task_counts: Obj
    cost_breakdown: Obj


class MetricSeries(Struct):
    data: list[float | None]
    unit: str
    average: float | None


class PerformanceMetrics(Struct):
    period: str
    granularity: str
    buckets: list[str]
    metrics: dict[str, MetricSeries]


class SystemHealth(Struct):
    overall_status: str
    issues: list[Any]
    services: Obj
    database: Obj
    projections: Obj


class EscalationPage(Struct):
    escalations: list[Obj]
    pagination: Pagination


class AlertPage(Struct):
    alerts: list[Obj]
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
    "ChangePassword": Obj,
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
    "DeleteWebhook": Obj,
    "RotateWebhookSecret": WebhookWithSecret,
    "TestWebhook": Obj,
    "ListWebhookDeliveries": DeliveryPage,
    "RedeliverWebhookDelivery": Obj,
    "ListModels": ModelList,
    "GetModel": Model,
    "SelectModel": Obj,
    "GetCostAnalysis": CostAnalysis,
    "GetPerformanceMetrics": PerformanceMetrics,
    "GetSystemHealth": SystemHealth,
    "GetAgentConfiguration": AgentRole,
    "UpdateAgentConfiguration": AgentRole,
    "GetAgentStatus": AgentStatus,
    "SubmitTaskToAgent": Obj,
    "GetAgentRoleConfiguration": AgentRoleSummary,
    "RegisterAgent": Registration,
    "AgentHeartbeat": Heartbeat,
    "ClaimWork": Obj | None,
    "CompleteSubmission": Obj,
    "FailSubmission": Obj,
    "ReportSubmissionProgress": Obj,
    "SubmitEscalation": Obj,
    "DecideEscalation": Obj,
    "GetEscalationStatus": Obj,
    "ListEscalations": EscalationPage,
    "CreateBudget": Budget,
    "GetBudget": Budget,
    "UpdateBudget": Budget,
    "DeleteBudget": Obj,
    "ListBudgets": BudgetList,
    "GetAlerts": AlertPage,
    "AcknowledgeAlert": Obj,
    "ResolveAlert": Obj,
}
