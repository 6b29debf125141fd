"""Scale-out tests run against real PostgreSQL and Redis servers started by the tests themselves
(tests/infra.py). Fixtures: ``pg`` (PostgresServer) and ``redis_srv`` (RedisServer), per session."""
from __future__ import annotations

from tests.infra import pg, redis_srv  # noqa: F401  (session fixtures shared by every test here)
