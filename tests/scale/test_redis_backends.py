"""The Redis queue, presence, lease and relay against a real redis-server, with the same
behaviour as the in-memory backends the single-process server uses."""
from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from handoff.backends import make_backends
from handoff.broker import RedisBroker
from handoff.presence import MemoryPresence, RedisPresence
from handoff.queue import MemoryQueue, RedisQueue
from tests.infra import RedisServer


def run(redis_srv: RedisServer, scenario: Callable[[Redis, str], Awaitable[None]]) -> None:
    async def main() -> None:
        redis = Redis.from_url(redis_srv.url)
        try:
            await scenario(redis, f"t{secrets.token_hex(4)}:")
        finally:
            await redis.aclose()

    asyncio.run(main())


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_queue_order_front_and_no_duplicates(redis_srv: RedisServer, kind: str) -> None:
    async def scenario(redis: Redis, prefix: str) -> None:
        queue = MemoryQueue() if kind == "memory" else RedisQueue(redis, prefix)
        for i, cid in enumerate(("a", "b", "c")):
            await queue.enqueue(cid, queued_at=100.0 + i)
        await queue.enqueue("a", queued_at=500.0)  # already waiting: keeps its place
        assert await queue.pop_next() == "a"
        await queue.enqueue("z", front=True, queued_at=50.0)
        assert await queue.waiting() == ["z", "b", "c"] and await queue.position("c") == 3
        assert await queue.remove("b") and not await queue.remove("b")
        assert [await queue.pop_next() for _ in range(3)] == ["z", "c", None]

    run(redis_srv, scenario)


def test_concurrent_pops_never_hand_out_a_chat_twice(redis_srv: RedisServer) -> None:
    async def scenario(redis: Redis, prefix: str) -> None:
        queues = [RedisQueue(Redis.from_url(redis_srv.url), prefix) for _ in range(4)]
        for i in range(200):
            await queues[0].enqueue(f"c{i}", queued_at=float(i))
        popped = await asyncio.gather(*(q.pop_next() for _ in range(60) for q in queues))
        taken = [p for p in popped if p]
        assert len(taken) == len(set(taken)) == 200
        for q in queues:
            await q.redis.aclose()

    run(redis_srv, scenario)


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_presence_expires_and_only_one_process_leads(redis_srv: RedisServer, kind: str) -> None:
    async def scenario(redis: Redis, prefix: str) -> None:
        first = MemoryPresence() if kind == "memory" else RedisPresence(redis, prefix)
        await first.beat("agent", ["agent1", "agent2"], ttl=0.3)
        await first.set_capacity("agent1", 5)
        assert await first.alive("agent") == {"agent1", "agent2"}
        assert await first.capacities(["agent1", "nobody"]) == {"agent1": 5}
        await first.drop("agent", "agent2")
        assert await first.alive("agent") == {"agent1"}
        await asyncio.sleep(0.4)
        assert await first.alive("agent") == set()  # no heartbeat: gone
        if kind == "redis":
            second = RedisPresence(redis, prefix)
            assert await first.lead("sweeper", 0.5) and await first.lead("sweeper", 0.5)  # renewed by its owner
            assert not await second.lead("sweeper", 0.5)
            await asyncio.sleep(0.6)  # the holder died: the lease passes on
            assert await second.lead("sweeper", 0.5) and not await first.lead("sweeper", 0.5)

    run(redis_srv, scenario)


def test_relay_between_two_brokers_and_resync_after_a_redis_restart(redis_srv: RedisServer) -> None:
    async def scenario(_redis: Redis, prefix: str) -> None:
        a, b = make_backends(redis_srv.url, prefix), make_backends(redis_srv.url, prefix)
        assert isinstance(a.broker, RedisBroker)
        await a.broker.start()
        await b.broker.start()
        async with b.broker.subscribe("conv:x") as inbox:
            await asyncio.sleep(0.3)  # the subscription reaches Redis
            await a.broker.publish("conv:x", {"type": "message", "seq": 1, "text": "你好"})
            assert (await asyncio.wait_for(inbox.get(), 5))["text"] == "你好"
            await asyncio.to_thread(redis_srv.restart)
            event: dict[str, Any] = await asyncio.wait_for(inbox.get(), 15)
            assert event == {"type": "resync"}  # the socket re-reads what it may have missed
            await asyncio.sleep(0.3)
            await a.broker.publish("conv:x", {"type": "message", "seq": 2, "text": "又連上了"})
            assert (await asyncio.wait_for(inbox.get(), 10))["text"] == "又連上了"
        await a.close()
        await b.close()

    run(redis_srv, scenario)
