"""The monitoring answers' `data` (costs, metrics, health, alerts) for the OpenAPI document.

Like `kyros.http.openapi_data`, these types only describe the read-model views the handlers
return; amounts are JSON numbers (`float` here), times ISO 8601 strings.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType, field

from kyros.http.openapi_common_data import Obj, Pagination

AlertDetails = Annotated[
    Obj, Meta(description="Free-form: the figures behind the alert; their keys depend on its type.")
]


class Retention(Struct):
    """`truncated` when the period reaches past what the metrics retention keeps."""

    days: int
    retained_from: str
    truncated: bool


class TaskCounts(Struct):
    completed: int
    failed: int
    priced: int


class CostShare(Struct):
    cost: float
    percentage: float
    tasks: int


class Savings(Struct):
    """Every priced attempt re-priced at `premium_model`; null when it is not in the catalog."""

    premium_model: str
    vs_premium_only: float | None
    percentage: float | None
    roi: float | None
    premium_only_cost: float | None


Shares = dict[str, CostShare]


class CostBreakdown(Struct, kw_only=True):
    """One `by_*` map per requested `group_by`, keyed by model, role, task type or user."""

    by_model: Shares | UnsetType = UNSET
    by_role: Shares | UnsetType = UNSET
    by_task_type: Shares | UnsetType = UNSET
    by_user: Shares | UnsetType = UNSET
    savings: Savings


class CostAnalysis(Struct):
    """Amounts in USD to the micro-dollar. `period` is the rolling window's name, the calendar
    period's, or `range`; `at` names the calendar period; `from`/`to` bound the window."""

    period: str
    at: str | None
    start: str = field(name="from")
    end: str = field(name="to")
    total_cost: float
    task_counts: TaskCounts
    cost_breakdown: CostBreakdown
    retention: Retention


class MetricSeries(Struct):
    data: list[float | None]
    unit: str
    average: float | None


class PerformanceMetrics(Struct, kw_only=True):
    """`from`/`to` bound the buckets: the first's start, the last's (exclusive) end."""

    period: str
    at: str | None
    start: str = field(name="from")
    end: str = field(name="to")
    granularity: str
    buckets: list[str]
    metrics: dict[str, MetricSeries]
    retention: Retention


class ApiService(Struct):
    status: str
    uptime_seconds: float
    started_at: str
    version: str


class ProjectionWorkers(Struct):
    """`uptime_seconds`: how long every worker has been up together (null if one is down)."""

    status: str
    running: int
    total: int
    not_running: list[str]
    uptime_seconds: float | None
    restarts: int


class ComponentHealth(Struct, kw_only=True):
    """A supervised worker of this process; `upgrade_library` only on the WebSocket hub."""

    status: str
    state: str
    leader: bool
    uptime_seconds: float | None
    started_at: str | None
    restarts: int
    last_error: str | None
    last_error_at: str | None
    upgrade_library: str | UnsetType | None = UNSET
    chain_head: int | UnsetType | None = UNSET  # the audit chain only: its last linked position
    lag: int | UnsetType | None = UNSET  # the audit chain only: events not yet linked


class AgentRunner(Struct, kw_only=True):
    """Agents run elsewhere: the counts are null when the read model could not be read."""

    status: str
    live_agents: int | None
    registered_agents: int | None
    uptime_seconds: float | UnsetType | None = UNSET


class Services(Struct, kw_only=True):
    api: ApiService
    projection_workers: ProjectionWorkers
    scheduler: ComponentHealth
    webhook_dispatcher: ComponentHealth
    websocket_hub: ComponentHealth
    audit_chain: ComponentHealth
    log_listener: ComponentHealth | UnsetType = UNSET  # PostgreSQL only
    agent_runner: AgentRunner


class QueryPerformance(Struct):
    """Milliseconds over the last `window` probes."""

    average_time: float
    last_time: float
    slow_queries: int
    slow_query_ms: float
    window: int


class DatabaseHealth(Struct, kw_only=True):
    """`error` names what failed when unhealthy; the pool and timings when the probe ran."""

    status: str
    backend: str
    error: str | UnsetType = UNSET
    connection_pool: dict[str, int | None] | UnsetType = UNSET
    query_performance: QueryPerformance | UnsetType = UNSET


class ProjectionFailure(Struct):
    position: int
    event_type: str
    error: str
    attempts: int
    first_failed_at: str
    last_failed_at: str


class ProjectionHealth(Struct):
    """`failure` is the event the read model cannot apply (`status` stuck)."""

    status: str
    position: int | None
    lag: int | None
    worker_alive: bool
    worker_status: str
    leader: bool
    restarts: int
    last_error: str | None
    last_error_at: str | None
    failure: ProjectionFailure | None


class OpenAlerts(Struct):
    active: int
    acknowledged: int
    by_severity: dict[str, int]


class ModelHealth(Struct):
    """Over the model's latest finished attempts; null where nothing was measured."""

    status: str
    response_time: float | None
    success_rate: float | None
    recent_attempts: int | None
    performance_tracking: bool | None


class SystemHealth(Struct):
    """`alerts` is null when the read models could not be read."""

    overall_status: str
    issues: list[str]
    services: Services
    database: DatabaseHealth
    projections: dict[str, ProjectionHealth]
    alerts: OpenAlerts | None
    models: dict[str, ModelHealth]


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
