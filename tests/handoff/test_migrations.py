"""Schema migrations (handoff/storage/migrate.py) on real SQLite files and a real PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Engine, MetaData, create_engine, func, insert, inspect, select, text

from handoff.settings import Settings
from handoff.storage import schema
from handoff.storage.cli import db as db_group
from handoff.storage.database import Database, engine_url
from handoff.storage.migrate import BASELINE, BASELINE_TABLES, current, head, upgrade
from tests.infra import PostgresServer, pg  # noqa: F401  (session fixture)

ROOT = Path(__file__).resolve().parents[2]


def differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata)


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]


def shape(engine: Engine) -> dict[str, object]:
    """Tables with their columns (name, type, nullable) and index names, comparable across calls."""
    found = inspect(engine)
    return {t: ([(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(t)],
                sorted(str(i["name"]) for i in found.get_indexes(t))) for t in found.get_table_names()}


def sqlite_schema(path: Path) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT name, COALESCE(sql, '') FROM sqlite_master"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new empty database of each kind, as a user-form URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chat.db'}"
        return
    server: PostgresServer = request.getfixturevalue("pg")
    name = f"mig_{os.getpid()}_{time.monotonic_ns()}"
    yield server.create_database(name)
    server.drop_database(name)


@pytest.mark.parametrize(("given", "expected"), [
    ("postgresql://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
    ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_user_form_postgres_urls_use_the_installed_psycopg3_driver(given: str, expected: str) -> None:
    assert engine_url(given) == expected


def test_migrated_schema_equals_schema_py(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert differences(db.engine) == []
        assert current(db.engine) == head()
        assert set(inspect(db.engine).get_table_names()) == {*schema.metadata.tables, "alembic_version"}
    finally:
        db.close()


def test_migrating_twice_is_a_no_op(database_url: str) -> None:
    db = Database(database_url)
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(schema.users).values(username="a", password_hash="x", role="agent", capacity=3,
                                                     created_at=1.0))
        before = shape(db.engine)
        upgrade(db.engine)
        Database(database_url).close()
        assert version_rows(db.engine) == [head()]
        assert shape(db.engine) == before
        with db.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(schema.users)).scalar_one() == 1
    finally:
        db.close()


def test_baseline_revision_creates_exactly_the_baseline_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    upgrade(engine, BASELINE)
    assert set(inspect(engine).get_table_names()) - {"alembic_version"} == BASELINE_TABLES
    engine.dispose()


def test_pre_migration_create_all_file_is_stamped_and_opens(tmp_path: Path) -> None:
    path = tmp_path / "legacy.db"
    legacy = create_engine(f"sqlite:///{path}")
    schema.metadata.create_all(legacy)  # what Database did before migrations existed
    with legacy.begin() as conn:
        conn.execute(insert(schema.conversations).values(
            id="c1", token_hash="t", state="bot", channel="websocket", created_at=1.0, updated_at=1.0,
            dialogue="{}", front_of_queue=False, citizen_turns=0, bot_turns=0, agent_turns=0, answered_turns=0))
    legacy.dispose()
    tables_before = sqlite_schema(path)
    assert current(create_engine(f"sqlite:///{path}")) is None

    db = Database(f"sqlite:///{path}")
    try:
        assert version_rows(db.engine) == [head()]
        assert differences(db.engine) == []
        assert [t for t in sqlite_schema(path) if "alembic_version" not in t[0]] == tables_before  # stamped, not rebuilt
        with db.engine.connect() as conn:
            assert conn.execute(select(schema.conversations.c.id)).scalars().all() == ["c1"]
    finally:
        db.close()


def test_older_create_all_file_lacking_later_tables_gains_them(tmp_path: Path) -> None:
    """A chat.db from before the miss log and cases (create_all of the first schema.py)."""
    path = tmp_path / "older.db"
    first = MetaData()
    for name in ("conversations", "messages", "callbacks", "surveys", "wrapups", "feedback", "users", "auth_tokens"):
        schema.metadata.tables[name].to_metadata(first)
    legacy = create_engine(f"sqlite:///{path}")
    first.create_all(legacy)
    legacy.dispose()

    db = Database(f"sqlite:///{path}")
    try:
        assert differences(db.engine) == []
        assert version_rows(db.engine) == [head()]
    finally:
        db.close()


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    from alembic import command

    from handoff.storage.migrate import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'd.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert differences(engine) == []
    engine.dispose()


STARTER = textwrap.dedent("""
    import sys, time
    from handoff.storage.database import Database
    time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all start together
    Database(sys.argv[1]).close()
""")


def test_three_processes_starting_at_once_migrate_once(database_url: str) -> None:
    """Three app replicas opening a new database together: none fails, one version row, full schema."""
    start_at = f"{time.time() + 2.5:.3f}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", STARTER, database_url, start_at], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
    outputs = [(p.communicate(timeout=120)[0].decode(errors="replace"), p.returncode) for p in processes]
    outputs = [(code, out) for out, code in outputs]
    assert [code for code, _ in outputs] == [0, 0, 0], "\n".join(out for _, out in outputs)
    engine = create_engine(engine_url(database_url))
    try:
        assert version_rows(engine) == [head()]
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_db_cli_reports_and_upgrades_a_legacy_file(tmp_path: Path) -> None:
    path = tmp_path / "cli.db"
    legacy = create_engine(f"sqlite:///{path}")
    schema.metadata.create_all(legacy)
    legacy.dispose()
    settings = Settings(home=tmp_path, endpoints=tmp_path / "none.yml")
    url = f"sqlite:///{path}"
    runner = CliRunner()
    result = runner.invoke(db_group, ["current", "--url", url], obj=settings)
    assert result.exit_code == 0 and result.output.startswith("unversioned"), result.output
    result = runner.invoke(db_group, ["upgrade", "--url", url], obj=settings)
    assert result.exit_code == 0 and f"unversioned → {head()}" in result.output, result.output
    result = runner.invoke(db_group, ["current", "--url", url], obj=settings)
    assert result.output.strip() == f"{head()} (head)"
    result = runner.invoke(db_group, ["upgrade", "--url", url], obj=settings)
    assert f"already at {head()}" in result.output


def test_db_cli_defaults_to_the_settings_database(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, data_dir=Path("var"), endpoints=Path("endpoints.yml"))
    result = CliRunner().invoke(db_group, ["upgrade"], obj=settings)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "var" / "chat.db").exists() and str(tmp_path / "var" / "chat.db") in result.output
