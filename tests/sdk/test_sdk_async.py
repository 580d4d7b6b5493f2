"""`AsyncKyros`: awaitable calls, async pages, and the event stream resumed after a drop."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from kyros_client import AsyncKyros, Kyros, RetryPolicy

from tests.builders.commands import Credential
from tests.sdk.doubles import CuttableProxy


def test_the_async_client_creates_and_pages_like_the_sync_one(
    base_url: str, admin: Credential
) -> None:
    async def scenario() -> tuple[str, list[str]]:
        async with AsyncKyros(base_url, api_key=admin.key) as client:
            made = [(await client.tasks.create(title=f"async {n}")).id for n in range(5)]
            seen = [task.id async for task in client.tasks.iter(limit=2)]
            return made[0], sorted(seen) == sorted(made) and seen

    first, seen = asyncio.run(scenario())
    assert seen and first in seen


def test_a_dropped_event_stream_resumes_without_losing_or_repeating_an_event(
    base_url: str, admin: Credential, sdk: Kyros
) -> None:
    address = urlsplit(base_url)
    with CuttableProxy((address.hostname, address.port)) as proxy:

        async def scenario() -> list[str]:
            policy = RetryPolicy(initial_wait=0.05)
            async with AsyncKyros(
                f"http://127.0.0.1:{proxy.port}", api_key=admin.key, retry=policy
            ) as client:
                received: list[str] = []
                created = [sdk.tasks.create(title="the start").id]
                stream = client.events.subscribe(["task_status"], since=sdk.session.position)
                created += [
                    (await asyncio.to_thread(sdk.tasks.create, title=f"before {n}")).id
                    for n in range(2)
                ]
                async for event in stream:
                    received.append(event.data["task_id"])
                    if len(received) == 2:
                        proxy.cut()  # the network drops; meanwhile three more tasks are created
                        for n in range(3):
                            created.append(
                                (await asyncio.to_thread(sdk.tasks.create, title=f"during {n}")).id
                            )
                    if len(received) == 5:
                        break
                await stream.aclose()
                assert received == created[1:]
                return received

        assert len(asyncio.run(asyncio.wait_for(scenario(), timeout=60))) == 5
