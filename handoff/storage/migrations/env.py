"""Alembic environment: the target is ``handoff.storage.schema.metadata``.

``handoff.storage.migrate`` passes an open connection (already inside the locked transaction) in
``config.attributes["connection"]``; without one, the ``sqlalchemy.url`` option is used, and
offline mode (``--sql``) prints the SQL instead of running it.
"""
from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from handoff.storage.schema import metadata

config = context.config


def _configure(**kwargs: Any) -> None:
    context.configure(target_metadata=metadata, compare_type=True,
                      render_as_batch=True,  # SQLite alters tables by copy-and-move
                      **kwargs)


def run_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
