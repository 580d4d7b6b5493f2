"""kyrosctl: parse, run one command, exit with a code scripts can branch on.

Exit codes: 0 done; 1 the server refused (the error code is printed); 2 bad usage;
3 the server could not be reached; 4 not logged in.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from kyros_client import Kyros, __version__
from kyros_client.cli import commands, completion, profiles, render
from kyros_client.errors import ConnectionFailed, KyrosError

NOT_LOGGED_IN = 4


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="kyrosctl", description="The Kyros API from a shell.")
    top.add_argument("--version", action="version", version=f"kyrosctl {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--profile", default="default", help="saved login to use (default: default)"
    )
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    common.add_argument(
        "--url", help="server root, e.g. http://127.0.0.1:8000 (overrides the profile)"
    )
    groups = top.add_subparsers(dest="group", required=True, metavar="COMMAND")

    login = groups.add_parser("login", parents=[common], help="check a credential and save it")
    login.add_argument("--api-key", help="an API key (kyk_…); prefer --api-key-stdin")
    login.add_argument("--api-key-stdin", action="store_true", help="read the API key from stdin")
    login.add_argument("--username")
    login.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    login.set_defaults(run=commands.login, needs_client=False)
    groups.add_parser("logout", parents=[common], help="forget the saved login").set_defaults(
        run=commands.logout, needs_client="optional"
    )

    tasks = _group(groups, "tasks", "list, show, create and cancel tasks")
    ls = _command(tasks, "ls", common, commands.tasks_ls, "list tasks")
    ls.add_argument("--status", help="comma-separated statuses")
    ls.add_argument("--role", help="assignee role")
    ls.add_argument("--tag", help="comma-separated tags")
    ls.add_argument("--sort-by", dest="sort_by")
    ls.add_argument("--order", choices=("asc", "desc"))
    ls.add_argument("--limit", type=int, default=20)
    ls.add_argument("--all", action="store_true", help="every page")
    _command(tasks, "show", common, commands.tasks_show, "one task").add_argument("task_id")
    create = _command(tasks, "create", common, commands.tasks_create, "create a task")
    create.add_argument("title")
    create.add_argument("--description")
    create.add_argument("--type", choices=("implementation", "review", "design", "testing"))
    create.add_argument("--priority", choices=("low", "medium", "high", "critical"))
    create.add_argument("--role", choices=("architect", "implementer", "critic", "integrator"))
    create.add_argument("--tag", action="append")
    cancel = _command(tasks, "cancel", common, commands.tasks_cancel, "cancel a task")
    cancel.add_argument("task_id")
    cancel.add_argument("--reason")

    escalations = _group(groups, "escalations", "review premium-model escalations")
    els = _command(escalations, "ls", common, commands.escalations_ls, "list escalations")
    els.add_argument("--status")
    els.add_argument("--limit", type=int, default=20)
    for verb in ("approve", "reject"):
        decide = _command(escalations, verb, common, commands.escalations_decide, f"{verb} one")
        decide.add_argument("escalation_id")
        decide.add_argument("--comment")
        decide.add_argument("--reason")

    costs = groups.add_parser("costs", parents=[common], help="cost analysis")
    costs.add_argument("--period", help="e.g. 24h, 7d, 30d")
    costs.set_defaults(run=commands.costs, needs_client=True)
    groups.add_parser(
        "budgets", parents=[common], help="budgets and their current period"
    ).set_defaults(run=commands.budgets, needs_client=True)

    events = _group(groups, "events", "follow the event stream")
    tail = _command(events, "tail", common, commands.events_tail, "print events as they happen")
    tail.add_argument("--types", default="task_status,task_progress,escalation_status")
    tail.add_argument("--task", help="only this task's events")
    tail.add_argument("--since", type=int, help="resume after this log position")
    tail.add_argument("--count", type=int, help="stop after this many events")

    shell = groups.add_parser("completion", help="print a shell completion script")
    shell.add_argument("shell", choices=("bash", "zsh"))
    shell.set_defaults(
        run=lambda args: print(completion.script(top, args.shell)), needs_client=False
    )
    return top


def _group(groups: Any, name: str, text: str) -> Any:
    return groups.add_parser(name, help=text).add_subparsers(
        dest="command", required=True, metavar="ACTION"
    )


def _command(
    group: Any, name: str, common: argparse.ArgumentParser, run: Callable[..., None], text: str
) -> argparse.ArgumentParser:
    sub = group.add_parser(name, parents=[common], help=text)
    sub.set_defaults(run=run, needs_client=True)
    return sub


def _client(args: argparse.Namespace) -> Kyros | None:
    saved = profiles.profile(args.profile)
    if saved is None:
        return None
    url = args.url or saved["url"]
    if saved.get("api_key"):
        return Kyros(url, api_key=saved["api_key"])
    client = Kyros(url, username=saved["username"], refresh_token=saved["refresh_token"])
    client.session.access_token = saved.get("access_token")  # reused until it nears expiry
    client.session.expires_at = float(saved.get("expires_at", 0))
    return client


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if not args.needs_client:
            args.run(args)
            return 0
        client = _client(args)
        if client is None and args.needs_client is True:
            print(
                f"kyrosctl: not logged in (profile {args.profile!r}): run `kyrosctl login`",
                file=sys.stderr,
            )
            return NOT_LOGGED_IN
        try:
            args.run(args, client)
        finally:
            if client is not None:
                _keep_session(args.profile, client)
                client.close()
    except ConnectionFailed as failed:
        return _fail(args, failed, 3)
    except KyrosError as refused:
        return _fail(args, refused, NOT_LOGGED_IN if refused.status == 401 else 1)
    except KeyboardInterrupt:
        return 130
    return 0


def _keep_session(profile: str, client: Kyros) -> None:
    """Saves a signed-in session's current tokens, so the next command signs in only when the
    access token nears its expiry (sign-ins are rate-limited)."""
    saved = profiles.profile(profile)
    session = client.session
    if not saved or not saved.get("username") or not session.access_token:
        return
    current = {
        "refresh_token": session.refresh_token,
        "access_token": session.access_token,
        "expires_at": session.expires_at,
    }
    if any(saved.get(k) != v for k, v in current.items()):
        profiles.store(profile, {**saved, **current})


def _fail(args: argparse.Namespace, error: KyrosError, code: int) -> int:
    if getattr(args, "json", False):
        render.emit_json(
            {
                "error": {
                    "code": error.code,
                    "message": error.message,
                    "details": error.details,
                    "request_id": error.request_id,
                }
            }
        )
    print(
        f"kyrosctl: {error}" + (f" [{error.request_id}]" if error.request_id else ""),
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
