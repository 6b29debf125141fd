"""The live-agent queue, behind one interface with an in-process and a Redis backend.

FIFO by queue time, except chats re-queued because their agent vanished, which go to the front.
The database is the record: a chat is queued when its row says so. The queue backend is an index
over those rows that every process shares; the hub rebuilds it from the database at start-up and
whenever it finds a queued chat missing (after a Redis restart, say), so losing it loses nothing.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from bot.hours import timestamp

if TYPE_CHECKING:
    from redis.asyncio import Redis

FRONT_OFFSET = 1e10  # front-of-queue scores sort before every ordinary queue time


class QueueBackend(Protocol):
    async def enqueue(self, conversation_id: str, front: bool = False, queued_at: float | None = None) -> None: ...
    async def remove(self, conversation_id: str) -> bool: ...
    async def pop_next(self) -> str | None:
        """Take the first chat out of the queue; atomic, so two agents never get the same chat."""
    async def position(self, conversation_id: str) -> int | None: ...
    async def waiting(self) -> list[str]: ...


class MemoryQueue:
    """One process: a deque (insertion order is queue order)."""

    def __init__(self) -> None:
        self._line: deque[str] = deque()

    async def enqueue(self, conversation_id: str, front: bool = False, queued_at: float | None = None) -> None:
        if conversation_id in self._line:
            if not front:
                return
            self._line.remove(conversation_id)
        if front:
            self._line.appendleft(conversation_id)
        else:
            self._line.append(conversation_id)

    async def remove(self, conversation_id: str) -> bool:
        try:
            self._line.remove(conversation_id)
            return True
        except ValueError:
            return False

    async def pop_next(self) -> str | None:
        return self._line.popleft() if self._line else None

    async def position(self, conversation_id: str) -> int | None:
        try:
            return self._line.index(conversation_id) + 1
        except ValueError:
            return None

    async def waiting(self) -> list[str]:
        return list(self._line)


class RedisQueue:
    """Several processes: one sorted set scored by queue time (front entries by time − 1e10).

    ZPOPMIN takes the head atomically; ZADD NX keeps the original place of a chat added twice."""

    def __init__(self, redis: Redis, prefix: str = "hotline:") -> None:
        self.redis, self.key = redis, f"{prefix}queue"

    async def enqueue(self, conversation_id: str, front: bool = False, queued_at: float | None = None) -> None:
        at = queued_at or timestamp()
        if front:
            await self.redis.zadd(self.key, {conversation_id: at - FRONT_OFFSET})
        else:
            await self.redis.zadd(self.key, {conversation_id: at}, nx=True)

    async def remove(self, conversation_id: str) -> bool:
        return bool(await self.redis.zrem(self.key, conversation_id))

    async def pop_next(self) -> str | None:
        popped = await self.redis.zpopmin(self.key, 1)
        return _text(popped[0][0]) if popped else None

    async def position(self, conversation_id: str) -> int | None:
        rank: Any = await self.redis.zrank(self.key, conversation_id)
        return None if rank is None else int(rank) + 1

    async def waiting(self) -> list[str]:
        return [_text(m) for m in await self.redis.zrange(self.key, 0, -1)]


def _text(value: Any) -> str:
    """A Redis member as text (bytes unless the client decodes responses)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def estimated_wait_seconds(position: int, agents_online: int, capacity: int, handle_seconds: float) -> int:
    """Position ÷ (agents × capacity) chats, each taking the recent average handle time."""
    slots = max(1, agents_online * max(1, capacity))
    return round(position / slots * handle_seconds)
