"""The background work of one server process, for the hub (any object with the ``Floorwide`` parts).

Every process heartbeats the citizens and agents it holds sockets for (``PresenceBackend``). One
process at a time — the holder of the ``sweeper`` lease (Redis ``SET NX PX``; always this process
in memory) — also sweeps: agents absent from presence for their whole grace period have their chats
re-queued at the front, citizens absent for theirs are abandoned, queued chats the queue backend
lacks are put back (after a Redis restart, say), and at closing time queued citizens are offered a
callback. Absence is timed from when the sweeper first saw it, so a Redis restart (everyone briefly
absent until the next heartbeat) re-queues nothing.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.hours import Clock, StaffedHours
from handoff.chat.config import HubConfig
from handoff.presence import PresenceBackend
from handoff.queue import QueueBackend
from handoff.session import SessionState
from handoff.storage.store import SQLConversationStore

log = logging.getLogger(__name__)


class Floorwide(Protocol):
    """What the housekeeper reads and acts on (handoff/hub.py ``Hub``); a protocol, so this module
    does not import the hub that starts it."""

    config: HubConfig
    store: SQLConversationStore
    queue: QueueBackend
    presence: PresenceBackend
    hours: StaffedHours
    clock: Clock

    def local_connections(self) -> tuple[list[str], dict[str, int]]: ...
    async def agent_gone(self, username: str) -> None: ...
    async def citizen_gone(self, conversation_id: str) -> None: ...
    async def reconcile(self) -> int: ...
    async def close_queue_for_the_day(self) -> int: ...


class Housekeeper:
    def __init__(self, hub: Floorwide) -> None:
        self.hub = hub
        self._absent_since: dict[tuple[str, str], float] = {}
        self._last_closing_check = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        config = self.hub.config
        self._tasks = [asyncio.create_task(self._every(config.heartbeat_seconds, self.heartbeat)),
                       asyncio.create_task(self._every(config.sweep_seconds, self.sweep))]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _every(self, seconds: float, action: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await action()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background %s failed; retrying", getattr(action, "__name__", action))

    async def heartbeat(self) -> None:
        presence, ttl = self.hub.presence, self.hub.config.presence_ttl
        citizens, agents = self.hub.local_connections()
        await presence.beat("citizen", citizens, ttl)
        await presence.beat("agent", list(agents), ttl)
        for username, capacity in agents.items():
            await presence.set_capacity(username, capacity)

    async def sweep(self) -> None:
        """The lease holder's round: grace periods, queue reconciliation, closing time."""
        hub, config = self.hub, self.hub.config
        if not await hub.presence.lead("sweeper", config.sweep_seconds * 5):
            self._absent_since.clear()
            return
        rows = await hub.store.conversations_in_states([SessionState.QUEUED, SessionState.WITH_AGENT])
        agents_here, citizens_here = await hub.presence.alive("agent"), await hub.presence.alive("citizen")
        now, seen = time.monotonic(), set[tuple[str, str]]()
        for agent in sorted({r["agent"] for r in rows if r["state"] == SessionState.WITH_AGENT and r["agent"]}):
            if self._absent_for(("agent", agent), agent in agents_here, now, seen) >= config.agent_grace_seconds:
                await hub.agent_gone(agent)
        for row in rows:
            if self._absent_for(("citizen", row["id"]), row["id"] in citizens_here, now,
                                seen) >= config.citizen_grace_seconds:
                await hub.citizen_gone(row["id"])
        for key in set(self._absent_since) - seen:
            del self._absent_since[key]
        await hub.reconcile()  # fresh rows: a chat abandoned above must not come back as a ghost
        if time.monotonic() - self._last_closing_check >= config.closing_check_seconds:
            self._last_closing_check = time.monotonic()
            if await hub.queue.waiting() and not hub.hours.is_open(hub.clock.now()):
                log.info("closing time: %d queued citizens offered a callback", await hub.close_queue_for_the_day())

    def _absent_for(self, key: tuple[str, str], present: bool, now: float, seen: set[tuple[str, str]]) -> float:
        """How long the sweeper has seen ``key`` missing from presence (0 when present)."""
        seen.add(key)
        if present:
            self._absent_since.pop(key, None)
            return 0.0
        return now - self._absent_since.setdefault(key, now)
