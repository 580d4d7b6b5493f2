"""The Litestar application: controllers under /v1, the envelope, errors and background workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from litestar import Litestar, Router
from litestar.datastructures import State

from kyros import __version__
from kyros.bootstrap import Kyros
from kyros.http.access_log import AccessLog
from kyros.http.agent_roles import AgentRoleConfigurationController, AgentRoleController
from kyros.http.agents import AgentController
from kyros.http.alerts import AlertController
from kyros.http.analysis import AnalysisController
from kyros.http.api_keys import ApiKeyController
from kyros.http.audit import AuditController
from kyros.http.auth import Authenticator, authenticated
from kyros.http.auth_routes import AuthController
from kyros.http.budget_periods import BudgetPeriodsController
from kyros.http.budgets import BudgetController
from kyros.http.configuration import ConfigurationController
from kyros.http.consistency import stamp_position, wait_for_min_position
from kyros.http.console import console_router
from kyros.http.costs import CostController
from kyros.http.dependencies import DEPENDENCIES
from kyros.http.docs import assets_router, openapi_config
from kyros.http.errors import EXCEPTION_HANDLERS
from kyros.http.escalations import EscalationController
from kyros.http.events import EventController
from kyros.http.health import HealthController
from kyros.http.history import HistoryController
from kyros.http.idempotency import idempotency_middleware
from kyros.http.maintenance import CONFIGURATION_TOPICS, MaintenanceFlag, maintenance_middleware
from kyros.http.model_selection import ModelController
from kyros.http.monitoring_analytics import MonitoringAnalyticsController
from kyros.http.monitoring_health import MonitoringHealthController
from kyros.http.nul_guard import nul_guard_middleware
from kyros.http.oauth2_routes import OAuth2Controller
from kyros.http.one_guard import run_guards_as_one
from kyros.http.options import options_middleware
from kyros.http.prometheus_metrics import prometheus_metrics
from kyros.http.rate_limit import RateLimits
from kyros.http.request_path import request_path_middleware
from kyros.http.strict_body import strict_json_body
from kyros.http.submissions import SubmissionController
from kyros.http.tasks import TaskController
from kyros.http.text_guard import CheckedRequest
from kyros.http.users import UserController
from kyros.http.webhooks import WebhookController
from kyros.http.websocket import redact_tokens_in_server_logs, root_socket, v1_socket
from kyros.http.websocket_credentials import WebSocketCredentials
from kyros.identity.passwords import dummy_hash
from kyros.observability.app_monitor import AppMonitor


def create_app(kyros: Kyros, *, run_workers: bool = True) -> Litestar:
    """`run_workers=False` serves requests only; read models then advance elsewhere."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(dummy_hash)  # before the first login, not during it
        try:
            async with anyio.create_task_group() as tg:
                if run_workers:
                    kyros.start_background(tg)
                yield
                tg.cancel_scope.cancel()
        finally:
            await authenticator.aclose()
            await anyio.to_thread.run_sync(access_log.close)  # every queued line is written

    redact_tokens_in_server_logs()  # `?token=` on a WebSocket URL must not reach a log
    monitor = AppMonitor(kyros)
    rate_limits = RateLimits(kyros.settings)
    access_log = AccessLog()
    authenticator = Authenticator(kyros, also_watch=CONFIGURATION_TOPICS)
    maintenance = MaintenanceFlag(kyros, authenticator.watch)
    v1 = Router(
        path="/v1",
        route_handlers=[
            TaskController,
            ConfigurationController,
            AuthController,
            OAuth2Controller,
            UserController,
            ApiKeyController,
            HealthController,
            WebhookController,
            ModelController,
            MonitoringAnalyticsController,
            MonitoringHealthController,
            AgentRoleController,
            AgentRoleConfigurationController,
            AgentController,
            SubmissionController,
            EscalationController,
            BudgetController,
            BudgetPeriodsController,
            AlertController,
            EventController,
            HistoryController,
            AuditController,
            CostController,
            AnalysisController,
            v1_socket,
        ],
        dependencies=DEPENDENCIES,
        guards=[authenticated, wait_for_min_position],  # fail closed: a new route needs a caller
    )
    return Litestar(
        route_handlers=[v1, assets_router(), console_router(), root_socket, prometheus_metrics],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[
            # request id, caller, rate limit and access log, in one layer
            request_path_middleware(authenticator, rate_limits, access_log, monitor.http),
            nul_guard_middleware,
            options_middleware,
            maintenance_middleware(
                maintenance
            ),  # before idempotency: no replay gets past maintenance
            idempotency_middleware(kyros),
        ],
        before_request=strict_json_body,  # 0 is not a boolean nor a date-time in a body
        after_request=stamp_position,  # X-Kyros-Position on a write's answer
        before_send=[rate_limits.report_standing],  # unknown routes, 405s, probes and docs too
        openapi_config=openapi_config(__version__),
        lifespan=[lifespan],
        on_startup=[run_guards_as_one],
        state=State(
            {
                "kyros": kyros,
                "monitor": monitor,
                "websocket_credentials": WebSocketCredentials(authenticator),
            }
        ),
        logging_config=None,  # logging is the process's (kyros serve), not reset per app
        request_max_body_size=kyros.settings.max_body_bytes,
        request_class=CheckedRequest,  # refuses text no store can hold, in every JSON body
        debug=False,
    )
