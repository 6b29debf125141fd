"""The test servers themselves (tests/infra.py): what the scale-out tests rely on."""
from __future__ import annotations

import psycopg
import pytest
import redis

from tests.infra import PostgresServer, RedisServer


def test_postgres_databases_are_separate_and_reachable_by_url(pg: PostgresServer) -> None:
    first, second = pg.create_database("infra_a"), pg.create_database("infra_b")
    with psycopg.connect(first) as conn:
        conn.execute("CREATE TABLE t (x int)")
    with psycopg.connect(second) as conn:
        assert conn.execute("SELECT to_regclass('t')").fetchone() == (None,)
        assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
    assert pg.sqlalchemy_url("infra_a").startswith("postgresql+psycopg://")
    pg.drop_database("infra_a")
    pg.drop_database("infra_b")


def test_redis_restart_keeps_the_port_and_loses_the_data(redis_srv: RedisServer) -> None:
    client = redis.Redis.from_url(redis_srv.url)
    try:
        client.set("k", "v")
        port = redis_srv.port
        redis_srv.restart()
        assert redis_srv.port == port and redis_srv.url.endswith(f":{port}/0")
        assert client.get("k") is None  # the same client reconnects to the same URL
        redis_srv.stop()
        with pytest.raises(redis.ConnectionError):
            client.ping()
        redis_srv.start()
        assert client.ping() is True
    finally:
        client.close()
