"""Six sub-cent completions on glm-4.5 (the issue's example: 0.001744 USD in all), dated in the
previous calendar month, seeded through the real HTTP API with the event clock pinned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from kyros.bootstrap import Kyros
from tests.builders.http import agent_client, register_agent
from tests.e2e.analytics_history import PLAIN, EventClock, Seeder, glm

# At glm-4.5's prices (input 0.001, output 0.002 per 1,000 tokens) 100 input tokens cost
# 0.0001 and each output token 0.000002: output tokens chosen for the six figures.
OUTPUTS = (93, 151, 71, 64, 78, 115)
COSTS = tuple(Decimal("0.0001") + n * Decimal("0.000002") for n in OUTPUTS)
TOTAL = Decimal("0.001744")


@dataclass
class SubCent:
    month: str  # the previous calendar month, YYYY-MM
    first_day: datetime  # the 10th of that month, midnight UTC: the first three tasks
    second_day: datetime  # the 20th: the other three
    task_ids: list[str]


def previous_month(now: datetime) -> datetime:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first - timedelta(days=1)).replace(day=1)


def seed_sub_cent(kyros: Kyros, base_url: str, client: httpx.Client, clock: EventClock) -> SubCent:
    month = previous_month(datetime.now(UTC))
    first_day, second_day = month.replace(day=10), month.replace(day=20)
    task_ids = []
    with agent_client(kyros, base_url) as agent:
        agent_id = register_agent(agent)
        for n, output in enumerate(OUTPUTS):
            day = first_day if n < 3 else second_day
            seeder = Seeder(kyros, base_url, clock, day)
            offset = timedelta(hours=n)
            task_id = seeder.task(client, offset, title=f"Sub-cent {n}", **PLAIN)
            usage = glm(100, 0, output, 1.5)
            seeder.run(client, agent, agent_id, task_id, "implementer", offset, usage)
            task_ids.append(task_id)
    clock.at = datetime.now(UTC)
    return SubCent(f"{month:%Y-%m}", first_day, second_day, task_ids)
