"""Copy every row of one conversation database into another (SQLite var/chat.db → PostgreSQL).

Both are migrated to the same revision first, so tables and columns match; rows go in foreign-key
order in batches, and PostgreSQL's id sequences are moved past the copied ids afterwards.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select, text

from bot.errors import HotlineError
from handoff.storage.migrate import upgrade
from handoff.storage.schema import metadata

BATCH = 1000


class TargetNotEmptyError(HotlineError, RuntimeError):
    """The target already holds rows; copying would mix two histories."""

    code, status = "target_not_empty", 409


def copy_database(source: Engine, target: Engine, echo: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Rows copied per table. Refuses a target that already has conversations or users."""
    upgrade(source)
    upgrade(target)
    tables = metadata.sorted_tables
    with target.connect() as conn:
        for table in tables:
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                raise TargetNotEmptyError(f"the target's table {table.name} already has rows: copy into a new, "
                                          "empty database (hotline db upgrade creates its tables)")
    counts: dict[str, int] = {}
    with source.connect() as read, target.begin() as write:
        for table in tables:
            counts[table.name] = 0
            result = read.execution_options(yield_per=BATCH).execute(select(table))
            for rows in result.partitions():
                write.execute(table.insert(), [dict(r._mapping) for r in rows])
                counts[table.name] += len(rows)
            echo(f"{table.name}: {counts[table.name]}")
        if target.dialect.name == "postgresql":
            for table in tables:
                for column in table.primary_key.columns:
                    if column.autoincrement is True or (column.autoincrement == "auto" and len(table.primary_key) == 1
                                                        and column.type.python_type is int):
                        write.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                            f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"))
    return counts
