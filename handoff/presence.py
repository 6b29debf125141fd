"""Who is connected somewhere, shared by every server process, and which process leads the sweeps.

Each process heartbeats the agents and citizens it holds a socket for; an entry lives ``ttl``
seconds past its last heartbeat (Redis: a sorted set scored by expiry time, the same idea as keys
with a TTL but listable in one call). The hub's sweeper treats someone as gone only after they have
been absent for the whole grace period, so a Redis restart (everyone briefly absent) re-queues
nothing: heartbeats refill presence within a second.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis


class PresenceBackend(Protocol):
    async def beat(self, kind: str, ids: Iterable[str], ttl: float) -> None: ...
    async def drop(self, kind: str, member: str) -> None: ...
    async def alive(self, kind: str) -> set[str]: ...
    async def set_capacity(self, username: str, capacity: int) -> None: ...
    async def capacities(self, usernames: Iterable[str]) -> dict[str, int]: ...
    async def lead(self, name: str, ttl: float) -> bool:
        """True while this process holds the named lease (renewed on each call)."""


class MemoryPresence:
    def __init__(self) -> None:
        self._expiry: dict[str, dict[str, float]] = {}
        self._capacity: dict[str, int] = {}

    async def beat(self, kind: str, ids: Iterable[str], ttl: float) -> None:
        until = time.time() + ttl
        self._expiry.setdefault(kind, {}).update({member: until for member in ids})

    async def drop(self, kind: str, member: str) -> None:
        self._expiry.get(kind, {}).pop(member, None)

    async def alive(self, kind: str) -> set[str]:
        now = time.time()
        members = self._expiry.get(kind, {})
        for gone in [m for m, until in members.items() if until < now]:
            del members[gone]
        return set(members)

    async def set_capacity(self, username: str, capacity: int) -> None:
        self._capacity[username] = capacity

    async def capacities(self, usernames: Iterable[str]) -> dict[str, int]:
        return {u: self._capacity[u] for u in usernames if u in self._capacity}

    async def lead(self, name: str, ttl: float) -> bool:
        return True


class RedisPresence:
    def __init__(self, redis: Redis, prefix: str = "hotline:") -> None:
        self.redis, self.prefix = redis, prefix
        self.owner = secrets.token_hex(8)

    def _key(self, kind: str) -> str:
        return f"{self.prefix}presence:{kind}"

    async def beat(self, kind: str, ids: Iterable[str], ttl: float) -> None:
        until = time.time() + ttl
        mapping = {member: until for member in ids}
        if mapping:
            await self.redis.zadd(self._key(kind), mapping)

    async def drop(self, kind: str, member: str) -> None:
        await self.redis.zrem(self._key(kind), member)

    async def alive(self, kind: str) -> set[str]:
        now = time.time()
        key = self._key(kind)
        await self.redis.zremrangebyscore(key, "-inf", now)
        return {m.decode() if isinstance(m, bytes) else str(m) for m in await self.redis.zrange(key, 0, -1)}

    async def set_capacity(self, username: str, capacity: int) -> None:
        await self.redis.hset(f"{self.prefix}capacity", username, capacity)

    async def capacities(self, usernames: Iterable[str]) -> dict[str, int]:
        names = list(usernames)
        if not names:
            return {}
        values = await self.redis.hmget(f"{self.prefix}capacity", names)
        return {u: int(v) for u, v in zip(names, values) if v is not None}

    async def lead(self, name: str, ttl: float) -> bool:
        """A lease in the lock store: SET NX with expiry, renewed by its owner (Rasa's lock_store)."""
        key = f"{self.prefix}lock:{name}"
        ms = int(ttl * 1000)
        if await self.redis.set(key, self.owner, nx=True, px=ms):
            return True
        holder = await self.redis.get(key)
        if holder is not None and (holder.decode() if isinstance(holder, bytes) else holder) == self.owner:
            await self.redis.pexpire(key, ms)
            return True
        return False
