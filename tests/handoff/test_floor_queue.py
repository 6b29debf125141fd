"""The floor's queue behaviour on a real hub with its background work running (issue 13)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from handoff.chat.conversations import HubError
from handoff.chat.relay import AGENTS_CHANNEL
from tests.handoff.floor_support import make_hub, new_backends, queue_truth, sqlite_db


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def test_abandoned_queued_chats_leave_no_ghosts(tmp_path: Path) -> None:
    """The reproduction: 5 citizens queue and close their tabs; once their grace period has run out
    a new citizen is 第1位 in an empty queue, and the agents' list shows only them."""
    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        hub, recorder = make_hub(db, new_backends(None), citizen_grace_seconds=0.3, heartbeat_seconds=0.1)
        await hub.start()
        try:
            gone = []
            for _ in range(5):
                conversation, _token, _ = await hub.open_conversation(None, None)
                await hub.citizen_connected(conversation["id"])
                await hub.enqueue(conversation["id"])
                gone.append(conversation["id"])
            await hub.agent_connected("amy", 3)
            assert len(recorder.last_queue[AGENTS_CHANNEL]["entries"]) == 5
            for conversation_id in gone:
                await hub.citizen_disconnected(conversation_id)

            async def abandoned() -> bool:
                rows = [await hub.store.get_conversation(c) for c in gone]
                return all(r["outcome"] == "abandoned" for r in rows)
            await until(abandoned)
            await asyncio.sleep(0.5)  # several more sweeps: nothing may come back
            assert await hub.queue.waiting() == []
            newcomer, _token, _ = await hub.open_conversation(None, None)
            await hub.citizen_connected(newcomer["id"])
            await hub.enqueue(newcomer["id"])
            told = recorder.last_queue[f"conv:{newcomer['id']}"]
            assert told["position"] == 1 and told["estimated_wait_seconds"] is not None
            assert [e["conversation_id"] for e in recorder.last_queue[AGENTS_CHANNEL]["entries"]] == [newcomer["id"]]
            await queue_truth(hub, recorder)
        finally:
            await hub.close()
            db.close()

    asyncio.run(scenario())


def test_leaving_the_queue_moves_everyone_up_at_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        hub, recorder = make_hub(db, new_backends(None))
        await hub.agent_connected("amy", 3)
        ids = []
        for _ in range(3):
            conversation, _token, _ = await hub.open_conversation(None, None)
            await hub.enqueue(conversation["id"])
            ids.append(conversation["id"])
        assert recorder.last_queue[f"conv:{ids[2]}"]["position"] == 3
        await hub.citizen_leave(ids[0])
        assert (await hub.store.get_conversation(ids[0]))["outcome"] == "abandoned"
        assert recorder.last_queue[f"conv:{ids[2]}"]["position"] == 2
        await queue_truth(hub, recorder)
        db.close()

    asyncio.run(scenario())


def test_only_ready_agents_take_chats_and_count_in_the_estimate(tmp_path: Path) -> None:
    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        hub, recorder = make_hub(db, new_backends(None), wrapup_seconds=30)
        await hub.agent_connected("amy", 2)
        await hub.set_agent_state("amy", "break", "用餐")
        conversation, _token, _ = await hub.open_conversation(None, None)
        await hub.enqueue(conversation["id"])
        told = recorder.last_queue[f"conv:{conversation['id']}"]
        assert told["estimated_wait_seconds"] is None and told["agents_ready"] == 0  # never a made-up wait
        said = [m for m in await hub.store.messages_since(conversation["id"]) if m["kind"] == "no_agent"]
        assert said and said[0]["payload"]["form"]["form"] == "callback"
        with pytest.raises(HubError) as refused:
            await hub.accept("amy")
        assert refused.value.code == "not_ready"
        await hub.set_agent_state("amy", "offline")  # connected but not taking chats
        assert (await hub.agent_state("amy"))["state"] == "offline"
        with pytest.raises(HubError):
            await hub.accept("amy")
        await hub.agent_disconnected("amy")
        await hub.agent_connected("amy", 2)  # logging in again means ready
        assert (await hub.agent_state("amy"))["state"] == "ready"
        assert recorder.last_queue[f"conv:{conversation['id']}"]["estimated_wait_seconds"] is not None
        assert (await hub.accept("amy"))["conversation_id"] == conversation["id"]
        await hub.agent_message("amy", conversation["id"], "您好，我是 amy")
        await hub.agent_close("amy", conversation["id"], {"category": "ATM", "summary": "領錢", "answer": "可以",
                                                        "citizen_name": "王小明", "citizen_phone": "0912345678"})
        assert (await hub.agent_state("amy"))["state"] == "wrapup"
        row = await hub.store.get_conversation(conversation["id"])
        assert row["number"] and row["first_reply_at"] >= row["assigned_at"]
        db.close()

    asyncio.run(scenario())


def test_a_burst_of_handoffs_is_broadcast_a_few_times_not_once_per_change(tmp_path: Path) -> None:
    """Each queue broadcast goes to every agent and every waiting citizen: one per change made 600
    handoffs with 200 agents online cost 600 × 800 frames and closed the agents' sockets
    (bench/load.py). Changes within the gap are folded into one trailing broadcast, the agents see
    the head of the line and the total, and the last view is still exact."""
    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        hub, recorder = make_hub(db, new_backends(None), queue_broadcast_gap_seconds=0.25)
        await hub.start()
        try:
            await hub.agent_connected("amy", 3)
            started = time.monotonic()
            for _ in range(120):
                conversation, _token, _ = await hub.open_conversation(None, None)
                await hub.citizen_connected(conversation["id"])
                await hub.enqueue(conversation["id"])
            windows = (time.monotonic() - started) / 0.25

            async def settled() -> bool:
                view = recorder.last_queue.get(AGENTS_CHANNEL)
                return view is not None and view["waiting"] == 120

            await until(settled, timeout=3)
            views = [e for channel, e in recorder.events if channel == AGENTS_CHANNEL and e["type"] == "queue"]
            assert len(views) <= windows + 3, f"{len(views)} queue broadcasts for 120 changes in {windows:.0f} gaps"
            assert len(views) < 40
            view = views[-1]
            assert [e["position"] for e in view["entries"]] == list(range(1, 51))
            await queue_truth(hub, recorder)  # every citizen was last told their true place
        finally:
            await hub.close()
            db.close()
    asyncio.run(scenario())
