"""The per-socket queue and the catalog, without sockets."""

from __future__ import annotations

import anyio

from kyros.domain.webhook import WEBHOOK_EVENT_TYPES
from kyros.fanout.event_types import CATALOG, WS_TYPES
from kyros.fanout.inline import Unfinished
from kyros.fanout.subscriber import Frame, Subscriber


def frame(position: int, kind: str = "task_status", task_id: str = "task_1") -> Frame:
    return Frame(position, kind, "read_tasks", task_id, f'{{"position": {position}}}')


def subscriber(limit: int = 3) -> Subscriber:
    sub = Subscriber(frozenset({"read_tasks"}), limit)
    sub.types = frozenset({"task_status"})
    return sub


def test_a_slow_consumer_overflows_on_one_frame_more_than_its_queue_holds() -> None:
    sub = subscriber(limit=3)
    for position in (1, 2, 3):
        sub.offer(frame(position))
    assert not sub.overflowed
    sub.offer(frame(4))
    assert sub.overflowed
    assert sub.pending == 3


def test_a_resume_backlog_is_one_queue_item_however_long() -> None:
    sub = subscriber(limit=2)
    sub.push([f"frame {n}" for n in range(1_000)])
    sub.offer(frame(1))
    assert not sub.overflowed


def test_frames_are_offered_once_in_order_and_filtered() -> None:
    sub = subscriber()
    sub.task_ids = frozenset({"task_1"})
    for item in (frame(1), frame(1), frame(2, task_id="task_2"), frame(3, kind="task_progress")):
        sub.offer(item)
    assert sub.pending == 1
    assert sub.seen == 3


def test_frames_a_role_may_not_read_are_never_queued() -> None:
    sub = Subscriber(frozenset({"read_tasks"}), 10)
    sub.types = frozenset({"system_alerts"})
    sub.offer(Frame(1, "system_alerts", "read_monitoring", None, "{}"))
    assert sub.pending == 0


def test_a_push_wakes_a_waiting_sender_and_overflow_wakes_it_empty_handed() -> None:
    async def wake() -> list[object]:
        sub = subscriber(limit=1)
        got: list[object] = []

        async def send() -> None:
            got.append(await sub.next())
            got.append(await sub.next())

        with anyio.fail_after(2):
            async with anyio.create_task_group() as tg:
                tg.start_soon(send)
                await anyio.sleep(0.01)
                sub.offer(frame(1))
                await anyio.sleep(0.01)
                sub.offer(frame(2))
                sub.offer(frame(3))
        return got

    assert anyio.run(wake) == ['{"position": 1}', None]


def test_an_idle_sender_is_not_woken_the_pusher_sends_inline() -> None:
    async def inline() -> tuple[list[str], int]:
        sent: list[str] = []

        async def deliver(text: str) -> None:
            sent.append(text)

        sub = Subscriber(frozenset({"read_tasks"}), 10, deliver)
        sub.types = frozenset({"task_status"})
        woken = 0

        async def sender() -> None:
            nonlocal woken
            await sub.next()
            woken += 1

        async with anyio.create_task_group() as tg:
            tg.start_soon(sender)
            await anyio.sleep(0.01)
            for position in (1, 2, 3):
                sub.offer(frame(position))
            await anyio.sleep(0.01)
            tg.cancel_scope.cancel()
        return sent, woken

    sent, woken = anyio.run(inline)
    assert sent == ['{"position": 1}', '{"position": 2}', '{"position": 3}']
    assert woken == 0


def test_a_send_that_must_wait_is_finished_by_the_sender_before_later_frames() -> None:
    """The first send blocks (a full TCP window); the sender completes it, then sends the
    frames pushed meanwhile, in order; none is sent twice or lost."""

    async def blocked() -> list[str]:
        window = anyio.Event()
        sent: list[str] = []

        async def deliver(text: str) -> None:
            if not window.is_set():
                await window.wait()
            sent.append(text)

        sub = Subscriber(frozenset({"read_tasks"}), 10, deliver)
        sub.types = frozenset({"task_status"})

        async def sender() -> None:
            while True:
                item = await sub.next()
                if isinstance(item, Unfinished):
                    await item
                elif isinstance(item, str):
                    await deliver(item)

        with anyio.fail_after(2):
            async with anyio.create_task_group() as tg:
                tg.start_soon(sender)
                await anyio.sleep(0.01)
                for position in (1, 2, 3):
                    sub.offer(frame(position))
                assert sent == [] and sub.pending == 3
                window.set()
                while len(sent) < 3:
                    await anyio.sleep(0.01)
                tg.cancel_scope.cancel()
        return sent

    assert anyio.run(blocked) == ['{"position": 1}', '{"position": 2}', '{"position": 3}']


def test_the_catalog_publishes_only_known_types() -> None:
    for route in CATALOG.values():
        assert route.ws_type is None or route.ws_type in WS_TYPES
        assert route.hook_type is None or route.hook_type in WEBHOOK_EVENT_TYPES
