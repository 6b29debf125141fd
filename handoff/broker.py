"""Pub/sub between connections (after encode/broadcaster): publish an event to a channel, every
subscriber's own queue receives it.

``MemoryBroker`` serves one process. ``RedisBroker`` relays through Redis pub/sub so a citizen on one
process and their agent on another hear each other; it keeps one Redis subscription per process
and fans events out to the local queues. Pub/sub is not durable: every message is in the database
before it is published, and when the Redis connection comes back each local subscriber receives a
``resync`` event so its socket re-reads what it may have missed (handoff/api/frames.py ``Outbox``).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)
RESYNC = {"type": "resync"}


class Broker(Protocol):
    async def publish(self, channel: str, event: dict[str, Any]) -> None: ...
    def subscribe(self, *channels: str) -> Any: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...


class MemoryBroker:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        self.deliver(channel, event)

    def deliver(self, channel: str, event: dict[str, Any]) -> None:
        """Hand an event to this process's subscribers of ``channel``."""
        for queue in list(self._subscribers.get(channel, ())):
            queue.put_nowait(event)

    def subscribers(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    def channels(self) -> list[str]:
        return list(self._subscribers)

    def queues(self) -> set[asyncio.Queue[dict[str, Any]]]:
        return {q for queues in self._subscribers.values() for q in queues}

    def _add(self, channels: tuple[str, ...], queue: asyncio.Queue[dict[str, Any]]) -> list[str]:
        """Register ``queue``; returns the channels that had no subscriber before."""
        new = [c for c in channels if not self._subscribers.get(c)]
        for channel in channels:
            self._subscribers[channel].add(queue)
        return new

    def _remove(self, channels: tuple[str, ...], queue: asyncio.Queue[dict[str, Any]]) -> list[str]:
        """Unregister ``queue``; returns the channels left with no subscriber."""
        empty = []
        for channel in channels:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]
                empty.append(channel)
        return empty

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """One queue receiving every event of the channels, until the block ends."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._add(channels, queue)
        try:
            yield queue
        finally:
            self._remove(channels, queue)


def redis_message(prefix: str, channel: str, event: dict[str, Any]) -> tuple[str, str]:
    """The Redis channel and payload of ``event``: what every process's listener decodes."""
    return prefix + channel, json.dumps(event, ensure_ascii=False)


class RedisBroker(MemoryBroker):
    """Local fan-out as in ``MemoryBroker``, with Redis pub/sub between processes."""

    def __init__(self, redis: Redis, prefix: str = "hotline:", subscriber: Redis | None = None) -> None:
        """``redis`` publishes (it may retry on a fresh connection); ``subscriber`` (default: the
        same client) holds the subscription and must not retry silently, so that a lost
        connection is noticed and the local subscribers are told to resync."""
        super().__init__()
        self.redis, self.prefix = redis, prefix
        self.subscriber = subscriber or redis
        self._pubsub: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen())

    async def close(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            await self.subscriber.aclose()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        try:
            await self.redis.publish(*redis_message(self.prefix, channel, event))
        except Exception as exc:  # noqa: BLE001 Redis down: local subscribers still hear it; others resync later
            log.warning("redis publish failed (%s); delivering locally only", exc)
            self.deliver(channel, event)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        new = self._add(channels, queue)
        if new and self._pubsub is not None:
            with contextlib.suppress(Exception):  # the listener subscribes everything on reconnect
                await self._pubsub.subscribe(*(self.prefix + c for c in new))
        try:
            yield queue
        finally:
            empty = self._remove(channels, queue)
            if empty and self._pubsub is not None:
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(*(self.prefix + c for c in empty))

    async def _connect(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        pubsub = self.subscriber.pubsub(ignore_subscribe_messages=True)
        # A placeholder channel keeps the connection in subscribe mode even with no local subscriber.
        await pubsub.subscribe(f"{self.prefix}_", *(self.prefix + c for c in self.channels()))
        self._pubsub = pubsub

    async def _listen(self) -> None:
        connected_before = False
        while True:
            try:
                await self._connect()
                if connected_before:
                    log.info("redis pub/sub reconnected; local subscribers resync")
                    for queue in self.queues():
                        queue.put_nowait(dict(RESYNC))
                connected_before = True
                self._connected.set()
                while True:
                    message = await self._pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    channel = message["channel"]
                    channel = channel.decode() if isinstance(channel, bytes) else channel
                    self.deliver(channel.removeprefix(self.prefix), json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 any connection failure: retry
                if self._connected.is_set():
                    log.warning("redis pub/sub connection lost (%s); retrying", exc)
                self._connected.clear()
                await asyncio.sleep(0.5)
