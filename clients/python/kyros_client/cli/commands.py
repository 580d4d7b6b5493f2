"""What each kyrosctl command does, given parsed arguments and a client."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

import anyio

from kyros_client import AsyncKyros, Kyros
from kyros_client.cli import profiles, render

TASK_COLUMNS = ("id", "status", "priority", "type", "assignee_role", "title")
ESCALATION_COLUMNS = (
    "escalation_id",
    "status",
    "task_id",
    "target_model",
    "estimated_cost",
    "reason",
)
BUDGET_COLUMNS = (
    "id",
    "name",
    "period",
    "limit",
    "current_period.spent",
    "current_period.utilization",
)


def login(args: argparse.Namespace) -> None:
    """Checks the credential against the server, then saves the profile (0600)."""
    url = args.url or "http://127.0.0.1:8000"
    if args.api_key or args.api_key_stdin:
        key = args.api_key or sys.stdin.readline().strip()
        with Kyros(url, api_key=key) as client:
            who = client.auth.me()
        saved: dict[str, Any] = {"url": url, "api_key": key}
    else:
        username = args.username or input("Username: ")
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
        with Kyros(url, username=username, password=password) as client:
            who = client.auth.me()
            session = client.session
            saved = {
                "url": url,
                "username": username,
                "refresh_token": session.refresh_token,
                "access_token": session.access_token,
                "expires_at": session.expires_at,
            }
    profiles.store(args.profile, saved)
    if args.json:
        render.emit_json({"profile": args.profile, "url": url, "user": who.id, "roles": who.roles})
    else:
        print(f"Logged in to {url} as {who.id} ({', '.join(who.roles)}); profile {args.profile!r}")


def logout(args: argparse.Namespace, client: Kyros | None) -> None:
    if client is not None and client.session.username:
        client.auth.logout()
    gone = profiles.forget(args.profile)
    print(f"Profile {args.profile!r} {'removed' if gone else 'was not saved'}")


def tasks_ls(args: argparse.Namespace, client: Kyros) -> None:
    query = {
        "status": args.status,
        "assignee_role": args.role,
        "tags": args.tag,
        "sort_by": args.sort_by,
        "sort_order": args.order,
    }
    query = {k: v for k, v in query.items() if v is not None}
    if args.all:
        rows = list(client.tasks.iter(limit=100, **query))
    else:
        rows = client.tasks.list(limit=args.limit, **query).tasks
    render.emit_json(rows) if args.json else render.table(rows, TASK_COLUMNS)


def tasks_show(args: argparse.Namespace, client: Kyros) -> None:
    task = client.tasks.get(args.task_id)
    render.emit_json(task) if args.json else render.fields(task)


def tasks_create(args: argparse.Namespace, client: Kyros) -> None:
    body = {
        "title": args.title,
        "description": args.description,
        "type": args.type,
        "priority": args.priority,
        "assignee_role": args.role,
        "tags": args.tag or None,
    }
    task = client.tasks.create({k: v for k, v in body.items() if v is not None})
    render.emit_json(task) if args.json else print(task.id)


def tasks_cancel(args: argparse.Namespace, client: Kyros) -> None:
    task = client.tasks.cancel(args.task_id, {"reason": args.reason} if args.reason else {})
    render.emit_json(task) if args.json else print(f"{task.id} {task.status}")


def escalations_ls(args: argparse.Namespace, client: Kyros) -> None:
    rows = client.escalations.list(status=args.status, limit=args.limit).escalations
    render.emit_json(rows) if args.json else render.table(rows, ESCALATION_COLUMNS)


def escalations_decide(args: argparse.Namespace, client: Kyros) -> None:
    body = {"decision": "approved" if args.command == "approve" else "rejected"}
    if args.comment:
        body["approver_comments"] = args.comment
    if args.reason:
        body["reason"] = args.reason
    decided = client.escalations.decide(args.escalation_id, body)
    render.emit_json(decided) if args.json else print(f"{decided.escalation_id} {decided.status}")


def costs(args: argparse.Namespace, client: Kyros) -> None:
    analysis = client.monitoring.get_cost_analysis(period=args.period)
    if args.json:
        render.emit_json(analysis)
        return
    print(f"total cost ({analysis.period}): {analysis.total_cost}")
    rows = [
        {"model": name, "cost": cost}
        for name, cost in render.as_builtins(analysis.cost_breakdown.by_model).items()
    ]
    render.table(rows, ("model", "cost"))


def budgets(args: argparse.Namespace, client: Kyros) -> None:
    rows = client.budgets.list().budgets
    render.emit_json(rows) if args.json else render.table(rows, BUDGET_COLUMNS)


def events_tail(args: argparse.Namespace, client: Kyros) -> None:
    """Follows the WebSocket stream until interrupted (or --count events)."""
    types = [t for t in args.types.split(",") if t]

    # The stream signs in with this client's bearer credential (an API key, or the access token
    # it holds), so a saved session's refresh token is rotated by one client only.
    bearer = client.drive(client.session.credential())["Authorization"].removeprefix("Bearer ")

    async def follow() -> None:
        async with AsyncKyros(client.base_url, api_key=bearer) as stream:
            seen = 0
            async for event in stream.events.subscribe(types, task_id=args.task, since=args.since):
                if args.json:
                    render.emit_json(event)
                else:
                    print(
                        f"{event.position}  {event.timestamp or '-'}  {event.type}  "
                        f"{render.cell(event.data, limit=120)}",
                        flush=True,
                    )
                sys.stdout.flush()
                seen += 1
                if args.count and seen >= args.count:
                    return

    anyio.run(follow)
