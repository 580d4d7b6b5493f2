"""Every command type, the handler that carries it out and what a lost race does to it.

`run_command` is the one synchronous way to carry out a command (the CLI and the scheduler
use it); `Kyros.execute` wraps it for requests: off the event loop, then read-your-writes (for
the read models its `read_back` names).
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
    `read_back` names the read models a request's answer and its caller's next step read
    (`Kyros.execute` waits for those only; None: every read model, () none), unless
    `answers_from_command`: the answer is built from what the handler returns (a
    `kyros.commands.decided.Decided`), so only the caller's next read of them waits (see
    `Kyros.execute`). `committed_refusals` are refusals that may follow a save (a reused
    refresh token revokes its session, then is refused): readers must see the log as it was
    when they were raised."""

    handler: Callable[..., Any]
    on_conflict: Policy[Any] = once
    with_catalog: bool = False
    read_back: tuple[str, ...] | None = None
    committed_refusals: tuple[type[Exception], ...] = ()
    answers_from_command: bool = False


TASKS = ("tasks",)
WORK = ("tasks", "queue")  # a task's view and the submission an agent reports on next
ESCALATED = ("escalations", *WORK, "budgets")  # a decision releases or fails the task
BUDGETS = ("budgets",)
ALERTS = ("alerts",)
USERS = ("users",)
SESSIONS = ("users", "token_families")  # a login counts failures on the user
KEYS = ("api_keys",)
WEBHOOKS = ("webhooks",)
DELIVERIES = ("webhooks", "webhook_outbox")
INTERNAL = ()  # run by the scheduler or the worker machinery with `run_command`: nobody waits


ROUTES: dict[type, Route] = {
    # tasks and their work
    tasks.CreateTask: Route(tasks.create_task, read_back=TASKS, answers_from_command=True),
    tasks.UpdateTask: Route(tasks.update_task, read_back=TASKS, answers_from_command=True),
    tasks.CancelTask: Route(tasks.cancel_task, read_back=TASKS, answers_from_command=True),
    submissions.SubmitTask: Route(
        submissions.submit_task,
        take_turns,
        with_catalog=True,
        read_back=(*WORK, "escalations", "budgets"),  # it may open one and reserve money
    ),
    submissions.ReleaseWaitingTask: Route(submissions.release_waiting_task, read_back=INTERNAL),
    reports.ReportProgress: Route(reports.report_progress, rerun, read_back=TASKS),
    reports.CompleteSubmission: Route(
        reports.complete_submission, take_turns, with_catalog=True, read_back=WORK
    ),
    reports.FailSubmission: Route(
        reports.fail_submission, take_turns, with_catalog=True, read_back=WORK
    ),
    reports.ExpireLease: Route(reports.expire_lease, read_back=INTERNAL),
    # agents
    agents.RegisterAgent: Route(agents.register_agent, read_back=("agents",)),  # claims read it
    agents.Heartbeat: Route(agents.heartbeat, rerun, read_back=()),  # answered from the command
    agents.ClaimWork: Route(agents.claim_work, read_back=WORK),
    agent_roles.ChangeAgentRole: Route(
        agent_roles.change_agent_role, with_catalog=True, read_back=("agent_roles",)
    ),
    # escalations and budgets
    escalations.SubmitEscalation: Route(
        escalations.submit_escalation, take_turns, with_catalog=True, read_back=ESCALATED
    ),
    escalations.DecideEscalation: Route(
        escalations.decide_escalation, take_turns, with_catalog=True, read_back=ESCALATED
    ),
    escalations.ExpireEscalation: Route(
        escalations.expire_escalation, take_turns, with_catalog=True, read_back=INTERNAL
    ),
    escalations.FlagOverdue: Route(escalations.flag_overdue, take_turns, read_back=INTERNAL),
    budgets.DefineBudget: Route(budgets.define_budget, take_turns, read_back=BUDGETS),
    budgets.ChangeBudget: Route(budgets.change_budget, take_turns, read_back=BUDGETS),
    budgets.RemoveBudget: Route(budgets.remove_budget, take_turns, read_back=BUDGETS),
    # monitoring and configuration
    alerts.AcknowledgeAlert: Route(alerts.acknowledge_alert, read_back=ALERTS),
    alerts.ResolveAlert: Route(alerts.resolve_alert, read_back=ALERTS),
    alerts.RaiseProjectionAlert: Route(alerts.raise_projection_alert, read_back=INTERNAL),
    alerts.ResolveProjectionAlert: Route(alerts.resolve_projection_alert, read_back=INTERNAL),
    configuration.ChangeConfiguration: Route(
        configuration.change_configuration, with_catalog=True, read_back=("configuration",)
    ),
    # identity
    users.CreateUser: Route(users.create_user, read_back=USERS),
    users.GrantRole: Route(users.grant_role, read_back=USERS),
    users.RevokeRole: Route(users.revoke_role, read_back=USERS),
    users.ChangePassword: Route(users.change_password, read_back=USERS),
    users.DisableUser: Route(users.disable_user, read_back=USERS),
    users.EnableUser: Route(users.enable_user, read_back=USERS),
    users.UnlockUser: Route(users.unlock_user, read_back=USERS),
    sessions.LogIn: Route(sessions.log_in, read_back=SESSIONS),
    sessions.Refresh: Route(
        sessions.refresh, committed_refusals=(Unauthorized,), read_back=SESSIONS
    ),
    sessions.LogOut: Route(sessions.log_out, read_back=SESSIONS),
    sessions.EndIdleSession: Route(sessions.end_idle_session, read_back=INTERNAL),
    oauth2_logins.LogInWithProvider: Route(
        oauth2_logins.log_in_with_provider, partial(rerun, attempts=4), read_back=SESSIONS
    ),
    api_keys.IssueApiKey: Route(api_keys.issue_api_key, read_back=KEYS),
    api_keys.CreateApiKey: Route(api_keys.create_api_key, read_back=KEYS),
    api_keys.RevokeApiKey: Route(api_keys.revoke_api_key, read_back=KEYS),
    # webhooks
    webhooks.CreateWebhook: Route(webhooks.create_webhook, read_back=WEBHOOKS),
    webhooks.UpdateWebhook: Route(webhooks.update_webhook, read_back=WEBHOOKS),
    webhooks.RotateWebhookSecret: Route(webhooks.rotate_webhook_secret, read_back=WEBHOOKS),
    webhooks.DisableWebhook: Route(webhooks.disable_webhook, read_back=WEBHOOKS),
    webhooks.DeleteWebhook: Route(webhooks.delete_webhook, read_back=WEBHOOKS),
    webhooks.RequestWebhookTest: Route(webhooks.request_webhook_test, read_back=DELIVERIES),
    webhooks.RedeliverWebhook: Route(webhooks.redeliver_webhook, read_back=DELIVERIES),
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
