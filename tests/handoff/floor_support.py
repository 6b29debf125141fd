"""A real hub without sockets or NLU, for the floor tests: real store (SQLite), real queue, presence
and broker backends (memory or Redis), a broker wrapper that remembers what the hub pushed."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from bot.dialogue import HotlinePolicy
from bot.hours import StaffedHours, clock_from_env, set_default_clock
from handoff.backends import Backends, make_backends
from handoff.chat.config import HubConfig
from handoff.chat.queueing import AGENT_VIEW_ENTRIES
from handoff.chat.relay import AGENTS_CHANNEL
from handoff.housekeeping import Housekeeper
from handoff.hub import Hub
from handoff.storage.database import Database
from handoff.storage.store import SQLConversationStore

OPEN_CLOCK = "2023-10-02T10:00:00+08:00"  # staffed


class RecordingBroker:
    """The real broker, plus the last ``queue`` frame published on every channel."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.last_queue: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        if event.get("type") == "queue":
            self.last_queue[channel] = event
        self.events.append((channel, event))
        await self.inner.publish(channel, event)

    def subscribe(self, *channels: str) -> Any:
        return self.inner.subscribe(*channels)

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()


def make_hub(db: Database, backends: Backends, recorder: RecordingBroker | None = None,
             **config: Any) -> tuple[Hub, RecordingBroker]:
    recorder = recorder or RecordingBroker(backends.broker)
    recorder.inner = backends.broker
    clock = clock_from_env({"HOTLINE_CLOCK": OPEN_CLOCK})
    set_default_clock(clock)  # as the server does: stored times and the hub read one clock (not real midnight)
    hub = Hub(store=SQLConversationStore(db), broker=recorder, queue=backends.queue,  # type: ignore[arg-type]
              presence=backends.presence, nlu=None, policy=HotlinePolicy(lambda _id: None),  # type: ignore[arg-type]
              hours=StaffedHours(), clock=clock,
              config=HubConfig(**{"agent_grace_seconds": 0.0, "citizen_grace_seconds": 0.0, "wrapup_seconds": 0.0,
                                  "queue_broadcast_gap_seconds": 0.0,  # each step's views read right after it
                                  **config}))
    return hub, recorder


def new_backends(redis_url: str | None, prefix: str | None = None) -> Backends:
    """Memory backends, or Redis ones under their own key prefix (a test's own slice of the server)."""
    return make_backends(redis_url, prefix or f"t{secrets.token_hex(4)}:") if redis_url else make_backends(None)


def sqlite_db(tmp: Path) -> Database:
    return Database(f"sqlite:///{tmp / ('floor-' + secrets.token_hex(4) + '.db')}")


async def queue_truth(hub: Hub, recorder: RecordingBroker) -> None:
    """The invariant: the queue backend holds exactly the chats whose row says ``queued``, in order,
    and every waiting citizen and the agents were last told that very order."""
    waiting = await hub.queue.waiting()
    queued = {r["id"] for r in await hub.store.conversations_in_states(["queued"])}
    assert len(waiting) == len(set(waiting)), f"duplicate queue entries {waiting}"
    assert set(waiting) == queued, f"queue {sorted(waiting)} != queued rows {sorted(queued)}"
    for position, conversation_id in enumerate(waiting, start=1):
        told = recorder.last_queue.get(f"conv:{conversation_id}")
        assert told is not None and told["position"] == position, (conversation_id, position, told)
    if waiting:
        agents_view = recorder.last_queue.get(AGENTS_CHANNEL)
        assert agents_view is not None
        assert [e["conversation_id"] for e in agents_view["entries"]] == waiting[:AGENT_VIEW_ENTRIES]
        assert agents_view["waiting"] == len(waiting)


async def sweep(hub: Hub) -> None:
    """One round of the background work, on demand (heartbeat, then the lease holder's sweep)."""
    keeper = Housekeeper(hub)
    await keeper.heartbeat()
    await keeper.sweep()
