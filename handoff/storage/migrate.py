"""Schema migrations run from code: every ``Database`` start calls ``upgrade(engine)``.

Alembic is driven through its ``Config`` object with ``script_location`` set to this package's
``migrations/`` folder, so no alembic.ini is needed and an installed copy behaves like a checkout.

Several processes may start at once (an app scaled to 3 replicas). They take turns: on PostgreSQL
under a transaction-scoped advisory lock, on SQLite under ``BEGIN IMMEDIATE`` (its single writer).
The whole migration is one transaction on both (both have transactional DDL), so the process that
waited finds the schema at head and does nothing.

A database created by ``metadata.create_all`` before migrations existed has the tables but no
``alembic_version``: it is stamped with the revision whose schema it has (``BASELINE``) and then
upgraded. One from an older schema.py that lacked some baseline tables gains just those (the
baseline revision creates only absent tables).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, pool, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
# Every table revision 0001 creates: a database holding all of them (and no alembic_version)
# was made by create_all from the same schema and is stamped at 0001.
BASELINE_TABLES = frozenset({
    "conversations", "messages", "callbacks", "surveys", "wrapups", "feedback", "users", "auth_tokens",
    "turns", "agency_members", "cases", "case_events", "notifications", "announcements",
    "announcement_acks", "quality_reviews"})
ADVISORY_LOCK_KEY = 0x686F746C696E65  # "hotline" in ASCII; one lock per database for migrations


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic Config for this package's migrations, bound to an open connection or a URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision shipped with this code."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, f"no revisions in {MIGRATIONS / 'versions'}"
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at; None when it was never migrated (new or pre-migration)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: head), one process at a time."""
    with _locked_transaction(engine) as conn:
        config = alembic_config(conn)
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and BASELINE_TABLES <= tables:
            command.stamp(config, BASELINE)  # made by create_all before migrations existed
        command.upgrade(config, revision)


@contextmanager
def _locked_transaction(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            yield conn
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        writer = _sqlite_immediate_engine(engine)
        try:
            with writer.begin() as conn:
                yield conn
        finally:
            writer.dispose()
    else:  # in-memory SQLite (one process by definition) and other dialects: no cross-process lock
        with engine.begin() as conn:
            yield conn


def _sqlite_immediate_engine(engine: Engine) -> Engine:
    """A one-off engine on the same file whose transactions start with BEGIN IMMEDIATE.

    pysqlite otherwise begins lazily and commits DDL on its own, so two processes could both see
    an empty file and both create tables (SQLAlchemy's documented recipe for SQLite transactions).
    """
    writer = create_engine(engine.url, poolclass=pool.NullPool, connect_args={"timeout": 60})

    @event.listens_for(writer, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, decides when to BEGIN

    @event.listens_for(writer, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return writer
