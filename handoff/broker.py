"""Pub/sub between connections (after encode/broadcaster): publish an event to a channel, every
subscriber's own queue receives it. In memory here; a Redis backend can implement the same
interface for several processes."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol


class Broker(Protocol):
    async def publish(self, channel: str, event: dict[str, Any]) -> None: ...
    def subscribe(self, *channels: str) -> Any: ...


class MemoryBroker:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            queue.put_nowait(event)

    def subscribers(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """One queue receiving every event of the channels, until the block ends."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for channel in channels:
            self._subscribers[channel].add(queue)
        try:
            yield queue
        finally:
            for channel in channels:
                self._subscribers[channel].discard(queue)
                if not self._subscribers[channel]:
                    del self._subscribers[channel]

    def add(self, channel: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Add a channel to an existing subscription (an agent taking one more chat)."""
        self._subscribers[channel].add(queue)

    def discard(self, channel: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.get(channel, set()).discard(queue)
