"""Build the shared-state backends from configuration: in-process for the embedded default, Redis
(queue, presence and lease, relay) when a Redis URL is configured."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handoff.broker import Broker, MemoryBroker, RedisBroker
from handoff.presence import MemoryPresence, PresenceBackend, RedisPresence
from handoff.queue import MemoryQueue, QueueBackend, RedisQueue


@dataclass
class Backends:
    broker: Broker
    queue: QueueBackend
    presence: PresenceBackend
    kind: str  # "memory" | "redis"
    client: Any = None  # the Redis client of the queue and presence

    async def close(self) -> None:
        """Stop the relay and close Redis connections (the hub has stopped using them)."""
        await self.broker.close()
        if self.client is not None:
            await self.client.aclose()


def make_backends(redis_url: str | None, prefix: str = "hotline:") -> Backends:
    if not redis_url:
        return Backends(MemoryBroker(), MemoryQueue(), MemoryPresence(), "memory")
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    # Short timeouts and a few retries on a fresh connection: a Redis restart stalls a request for
    # a moment, not for minutes, and a connection broken by the restart is replaced, not reused.
    options: dict[str, Any] = {"socket_connect_timeout": 2.0, "health_check_interval": 5,
                               "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
                               "retry_on_error": [RedisConnectionError, RedisTimeoutError]}
    redis = Redis.from_url(redis_url, socket_timeout=2.0, **options)
    # The relay's client reports a lost connection instead of retrying it away: the broker must
    # know, to tell its sockets to re-read what they may have missed.
    pubsub_redis = Redis.from_url(redis_url, socket_connect_timeout=2.0, health_check_interval=5)
    return Backends(RedisBroker(redis, prefix, subscriber=pubsub_redis), RedisQueue(redis, prefix),
                    RedisPresence(redis, prefix), "redis", redis)
