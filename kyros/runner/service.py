"""Runs an agent runner as a process: signals stop it gracefully, a second one abandons work."""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Mapping

import anyio

from kyros.runner.client import WorkerClient
from kyros.runner.runner import AgentRunner, RunnerConfig, RunnerError

log = logging.getLogger(__name__)


def run_from_cli(
    *, role: str, concurrency: int, url: str, api_key_env: str, name: str | None
) -> None:
    """`kyros agents run`: the key is read from `api_key_env` and never printed or logged."""
    api_key = os.environ.get(api_key_env, "")
    if not api_key:
        raise RunnerError(
            f"{api_key_env} is not set: create a key with"
            " `kyros keys create --name runner --role agent` and export it"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per long-poll is noise
    name = (name or f"{socket.gethostname()}-{role}")[:100]  # Kyros takes names up to 100
    config = RunnerConfig(role=role, concurrency=concurrency, name=name)
    run_agents(url, api_key, config)


def run_agents(
    url: str, api_key: str, config: RunnerConfig, environ: Mapping[str, str] | None = None
) -> None:
    """Blocks until SIGINT/SIGTERM (then finishes in-flight work) or a RunnerError."""
    anyio.run(_serve, url, api_key, config, environ)


async def _serve(
    url: str, api_key: str, config: RunnerConfig, environ: Mapping[str, str] | None
) -> None:
    client = WorkerClient(url, api_key)
    runner = AgentRunner(client, config, environ=environ)
    failure: RunnerError | None = None
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(_watch_signals, runner, group.cancel_scope)
            try:
                await runner.run()
            except RunnerError as error:
                failure = error
            group.cancel_scope.cancel()
    finally:
        await client.aclose()
    if failure is not None:
        raise failure


async def _watch_signals(runner: AgentRunner, everything: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        stopping = False
        async for signum in signals:
            if stopping:
                log.warning("%s again: abandoning in-flight work", signal.Signals(signum).name)
                everything.cancel()
                return
            stopping = True
            log.info(
                "%s: finishing in-flight work, then stopping (signal again to abandon it)",
                signal.Signals(signum).name,
            )
            runner.stop()
