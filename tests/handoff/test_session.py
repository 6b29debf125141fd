from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from handoff.queue import MemoryQueue, estimated_wait_seconds
from handoff.session import IllegalTransition, check_transition
from handoff.storage.store import SQLConversationStore
from tests.handoff.floor_support import sqlite_db


@pytest.mark.parametrize(("current", "target"), [("bot", "queued"), ("queued", "with_agent"), ("with_agent", "closed"),
                                                 ("with_agent", "queued"), ("queued", "bot"), ("bot", "closed")])
def test_legal_transitions(current: str, target: str) -> None:
    assert check_transition(current, target) == target


@pytest.mark.parametrize(("current", "target"), [("bot", "with_agent"), ("closed", "queued"), ("closed", "bot"),
                                                 ("with_agent", "bot")])
def test_illegal_transitions_are_refused(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


def test_queue_is_fifo_with_requeue_at_front() -> None:
    async def scenario() -> None:
        queue = MemoryQueue()
        for cid in ("a", "b", "c"):
            await queue.enqueue(cid)
        await queue.enqueue("a")  # no duplicates
        assert await queue.pop_next() == "a"
        await queue.enqueue("z", front=True)
        assert await queue.waiting() == ["z", "b", "c"] and await queue.position("c") == 3
        assert await queue.remove("b") and not await queue.remove("b")

    asyncio.run(scenario())


def test_estimated_wait_scales_with_agents_and_capacity() -> None:
    assert estimated_wait_seconds(6, agents_online=2, capacity=3, handle_seconds=120) == 120
    assert estimated_wait_seconds(1, agents_online=0, capacity=3, handle_seconds=120) == 120  # nobody online: one slot


def test_the_store_writes_a_state_only_through_the_state_machine(tmp_path: Path) -> None:
    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        store = SQLConversationStore(db)
        await store.create_conversation("c1", "h" * 64, "websocket")
        with pytest.raises(ValueError, match="change_state"):
            await store.update_conversation("c1", state="closed")
        with pytest.raises(IllegalTransition):
            await store.change_state("c1", "bot", "with_agent")
        await store.change_state("c1", "bot", "queued", queued_at=1.0)
        assert (await store.get_conversation("c1") or {})["state"] == "queued"
        db.close()

    asyncio.run(scenario())
