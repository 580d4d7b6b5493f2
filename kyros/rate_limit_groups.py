"""The rate-limit groups and their default limits: settings validate KYROS_RATE_LIMITS
against them and the HTTP rate limiter applies them."""

from __future__ import annotations

from collections.abc import Mapping

# The spec's "Rate Limit by Endpoint"; `default` covers every endpoint not listed there.
DEFAULT_LIMITS: Mapping[str, str] = {
    "auth": "5/minute",
    "task_create": "100/hour",
    "model_select": "200/hour",
    "monitoring": "1000/hour",
    "webhooks": "100/minute",
    # Not in the spec: agents heartbeat, long-poll and report all day (a Kyros extension).
    "agent_work": "20000/hour",
    "default": "1000/hour",
}
