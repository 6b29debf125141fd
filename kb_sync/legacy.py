"""Adopt the KB file of releases before issue 17 (``var/kb.db``, sqlite-utils) into the
conversation database, once: revisions keep their numbers, so exports and review history read
the same afterwards. The file itself is left untouched (delete it once satisfied)."""
from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bot.errors import HotlineError
from kb_sync.store import KnowledgeBase
from kb_sync.tables import kb_changes, kb_draft_examples, kb_entries, kb_entry_history, kb_revisions

# old table → new table, in foreign-key order
TABLES = (("revisions", kb_revisions), ("entries", kb_entries), ("entry_history", kb_entry_history),
          ("draft_examples", kb_draft_examples), ("changes", kb_changes))


class LegacyKBError(HotlineError, RuntimeError):
    """The file is not an old KB, or the database already holds a KB."""

    code, status = "kb_legacy", 409


def adopt(kb: KnowledgeBase, path: Path) -> dict[str, int]:
    """Rows copied per table. Refuses when the database's KB is not empty (nothing to merge into)."""
    with kb.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(kb_revisions)).scalar_one() or \
                conn.execute(select(func.count()).select_from(kb_entries)).scalar_one():
            raise LegacyKBError("the database already holds a KB: nothing adopted (export it first if needed)")
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as old:
        old.row_factory = sqlite3.Row
        present = {r[0] for r in old.execute("select name from sqlite_master where type='table'")}
        if not {"entries", "revisions"} <= present:
            raise LegacyKBError(f"{path} is not a KB file (no entries/revisions tables)")
        counts: dict[str, int] = {}
        with kb.begin() as conn:
            for name, table in TABLES:
                rows = [dict(r) for r in old.execute(f"select * from {name}")] if name in present else []
                columns = {c.name for c in table.columns}
                rows = [{k: v for k, v in r.items() if k in columns} for r in rows]
                if rows:
                    conn.execute(insert(table), rows)
                counts[table.name] = len(rows)
            if conn.dialect.name == "postgresql":  # move id sequences past the copied ids
                for table in (kb_revisions, kb_entry_history, kb_draft_examples, kb_changes):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
    return counts
