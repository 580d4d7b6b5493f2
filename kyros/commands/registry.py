"""Every command type, the handler that carries it out and what a lost race does to it.

`run_command` is the one synchronous way to carry out a command (the CLI and the scheduler
use it); `Kyros.execute` wraps it for requests: off the event loop, then read-your-writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from kyros.commands import (
    agent_roles,
    agents,
    alerts,
    api_keys,
    budgets,
    configuration,
    escalations,
    oauth2_logins,
    sessions,
    tasks,
    users,
    webhooks,
)
from kyros.commands import queue as submissions
from kyros.commands import submissions as reports
from kyros.commands.conflicts import Policy, once, rerun, take_turns
from kyros.domain.identity_errors import Unauthorized
from kyros.domain.model_catalog import Catalog
from kyros.eventstore.application import KyrosApplication


@dataclass(frozen=True)
class Route:
    """`with_catalog` handlers take `(app, catalog, cmd)`, the others `(app, cmd)`;
    `read_back` says whether the caller's next read must see the command's events, and
    `committed_refusals` are refusals that may follow a save (a reused refresh token revokes
    its session, then is refused): readers must see the log as it was when they were raised."""

    handler: Callable[..., Any]
    on_conflict: Policy[Any] = once
    with_catalog: bool = False
    read_back: bool = True
    committed_refusals: tuple[type[Exception], ...] = ()


ROUTES: dict[type, Route] = {
    # tasks and their work
    tasks.CreateTask: Route(tasks.create_task),
    tasks.UpdateTask: Route(tasks.update_task),
    tasks.CancelTask: Route(tasks.cancel_task),
    submissions.SubmitTask: Route(submissions.submit_task, take_turns, with_catalog=True),
    submissions.ReleaseWaitingTask: Route(submissions.release_waiting_task),
    reports.ReportProgress: Route(reports.report_progress, rerun),
    reports.CompleteSubmission: Route(reports.complete_submission, take_turns, with_catalog=True),
    reports.FailSubmission: Route(reports.fail_submission, take_turns, with_catalog=True),
    reports.ExpireLease: Route(reports.expire_lease),
    # agents
    agents.RegisterAgent: Route(agents.register_agent),
    agents.Heartbeat: Route(agents.heartbeat, rerun, read_back=False),
    agents.ClaimWork: Route(agents.claim_work),
    agent_roles.ChangeAgentRole: Route(agent_roles.change_agent_role, with_catalog=True),
    # escalations and budgets
    escalations.SubmitEscalation: Route(
        escalations.submit_escalation, take_turns, with_catalog=True
    ),
    escalations.DecideEscalation: Route(
        escalations.decide_escalation, take_turns, with_catalog=True
    ),
    escalations.ExpireEscalation: Route(
        escalations.expire_escalation, take_turns, with_catalog=True
    ),
    escalations.FlagOverdue: Route(escalations.flag_overdue, take_turns),
    budgets.DefineBudget: Route(budgets.define_budget, take_turns),
    budgets.ChangeBudget: Route(budgets.change_budget, take_turns),
    budgets.RemoveBudget: Route(budgets.remove_budget, take_turns),
    # monitoring and configuration
    alerts.AcknowledgeAlert: Route(alerts.acknowledge_alert),
    alerts.ResolveAlert: Route(alerts.resolve_alert),
    alerts.RaiseProjectionAlert: Route(alerts.raise_projection_alert),
    alerts.ResolveProjectionAlert: Route(alerts.resolve_projection_alert),
    configuration.ChangeConfiguration: Route(configuration.change_configuration, with_catalog=True),
    # identity
    users.CreateUser: Route(users.create_user),
    users.GrantRole: Route(users.grant_role),
    users.RevokeRole: Route(users.revoke_role),
    users.ChangePassword: Route(users.change_password),
    users.DisableUser: Route(users.disable_user),
    users.EnableUser: Route(users.enable_user),
    users.UnlockUser: Route(users.unlock_user),
    sessions.LogIn: Route(sessions.log_in),
    sessions.Refresh: Route(sessions.refresh, committed_refusals=(Unauthorized,)),
    sessions.LogOut: Route(sessions.log_out),
    sessions.EndIdleSession: Route(sessions.end_idle_session, read_back=False),
    oauth2_logins.LogInWithProvider: Route(
        oauth2_logins.log_in_with_provider, partial(rerun, attempts=4)
    ),
    api_keys.IssueApiKey: Route(api_keys.issue_api_key),
    api_keys.CreateApiKey: Route(api_keys.create_api_key),
    api_keys.RevokeApiKey: Route(api_keys.revoke_api_key),
    # webhooks
    webhooks.CreateWebhook: Route(webhooks.create_webhook),
    webhooks.UpdateWebhook: Route(webhooks.update_webhook),
    webhooks.RotateWebhookSecret: Route(webhooks.rotate_webhook_secret),
    webhooks.DisableWebhook: Route(webhooks.disable_webhook),
    webhooks.DeleteWebhook: Route(webhooks.delete_webhook),
    webhooks.RequestWebhookTest: Route(webhooks.request_webhook_test),
    webhooks.RedeliverWebhook: Route(webhooks.redeliver_webhook),
}


def route_of(command: object) -> Route:
    try:
        return ROUTES[type(command)]
    except KeyError:
        raise TypeError(f"no handler is registered for {type(command).__name__}") from None


def run_command(app: KyrosApplication, catalog: Catalog, command: object) -> Any:
    """Carries out `command` under its conflict policy; returns what its handler returns."""
    route = route_of(command)
    args = (app, catalog, command) if route.with_catalog else (app, command)
    return route.on_conflict(lambda: route.handler(*args))


def position_of(result: object) -> int:
    """The log position a handler's result committed at (0: nothing was written). Handlers
    answer with the position or a result carrying it as `.position`."""
    if isinstance(result, bool):
        return 0
    if isinstance(result, int):
        return result
    position = getattr(result, "position", 0)
    return position if isinstance(position, int) else 0
