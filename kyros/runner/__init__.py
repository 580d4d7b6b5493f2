"""The built-in agent runner: claims work over the worker protocol and calls a model for it."""

from __future__ import annotations

from kyros.runner.runner import AgentRunner, RunnerConfig, RunnerError

__all__ = ["AgentRunner", "RunnerConfig", "RunnerError"]
