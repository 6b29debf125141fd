"""Build the shared-state backends from configuration: in-process for the embedded default, Redis
(queue, presence and lease, relay) when a Redis URL is configured."""
from __future__ import annotations

from dataclasses import dataclass

from handoff.broker import Broker, MemoryBroker, RedisBroker
from handoff.presence import MemoryPresence, PresenceBackend, RedisPresence
from handoff.queue import MemoryQueue, QueueBackend, RedisQueue


@dataclass
class Backends:
    broker: Broker
    queue: QueueBackend
    presence: PresenceBackend
    kind: str  # "memory" | "redis"


def make_backends(redis_url: str | None, prefix: str = "hotline:") -> Backends:
    if not redis_url:
        return Backends(MemoryBroker(), MemoryQueue(), MemoryPresence(), "memory")
    from redis.asyncio import Redis

    # Short timeouts: a Redis restart must stall a request for a moment, not for minutes.
    redis = Redis.from_url(redis_url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=5)
    pubsub_redis = Redis.from_url(redis_url, socket_connect_timeout=2.0, health_check_interval=5)
    return Backends(RedisBroker(pubsub_redis, prefix), RedisQueue(redis, prefix), RedisPresence(redis, prefix), "redis")
