"""The knowledge base in the conversation database: current entries plus every revision.

Tables (kb_sync/tables.py, migration 0006): ``kb_entries`` (current state),
``kb_revisions`` (one per import or approved edit), ``kb_entry_history`` (what each revision added,
changed or removed, with the full entry), ``kb_draft_examples`` and ``kb_changes`` (the review log,
kb_sync/upkeep.py). The same SQLAlchemy Core code runs on the embedded SQLite file and on
PostgreSQL, so every app server reads one KB and none keeps it on local disk.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from bot.errors import ConfigError
from kb_sync.errors import KBChangedError
from kb_sync.readers import FIELDS, Entry
from kb_sync.tables import kb_draft_examples, kb_entries, kb_entry_history, kb_revisions

KBTarget = Path | str | Engine | Any  # a SQLite file, a database URL, an engine, or a Database


@dataclass
class ImportDiff:
    revision: int | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# How a database URL becomes an engine whose schema is at head. kb_sync may not import the server
# package that owns the migrations, so the server registers its opener when its storage package is
# imported (handoff/storage/__init__.py: ``set_engine_opener(make_engine)``).
_opener: Callable[[str], Engine] | None = None


def set_engine_opener(opener: Callable[[str], Engine]) -> None:
    """Register how a file or URL target is opened (an engine migrated to the newest schema)."""
    global _opener
    _opener = opener


def _open(url: str) -> Engine:
    if _opener is None:
        raise ConfigError("no database opener registered for the KB: import handoff.storage first "
                          "(it migrates the conversation database that holds the KB)")
    return _opener(url)


def _engine(target: KBTarget) -> tuple[Engine, bool]:
    """The engine for ``target`` and whether this KnowledgeBase made it (and so disposes of it)."""
    if isinstance(target, Engine):
        return target, False
    if isinstance(target, Path):
        return _open(f"sqlite:///{target}"), True
    if isinstance(target, str):
        return _open(target), True
    return target.engine, False  # a handoff.storage.database.Database


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(query)]


def read_approved(target: KBTarget) -> list[dict[str, Any]]:
    """The approved entries (safe from any thread: a connection of its own)."""
    kb = KnowledgeBase(target)
    try:
        return kb.entries()
    finally:
        kb.close()


class KnowledgeBase:
    def __init__(self, target: KBTarget) -> None:
        self.engine, self._owned = _engine(target)

    def close(self) -> None:
        if self._owned:
            self.engine.dispose()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction (committed on leaving, rolled back on an exception)."""
        with self.engine.begin() as conn:
            yield conn

    def _read(self, query: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return _rows(conn, query)

    # reading -----------------------------------------------------------------------------
    def get(self, entry_id: str) -> dict[str, Any] | None:
        rows = self._read(select(kb_entries).where(kb_entries.c.id == entry_id, kb_entries.c.status == "approved"))
        return rows[0] if rows else None

    def entries(self) -> list[dict[str, Any]]:
        return self._read(select(kb_entries).where(kb_entries.c.status == "approved").order_by(kb_entries.c.id))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(kb_entries)
                                    .where(kb_entries.c.status == "approved")).scalar_one())

    def revisions(self) -> list[dict[str, Any]]:
        return self._read(select(kb_revisions).order_by(kb_revisions.c.id))

    def history(self) -> list[dict[str, Any]]:
        return self._read(select(kb_entry_history).order_by(kb_entry_history.c.revision, kb_entry_history.c.entry_id))

    def drafts(self) -> list[dict[str, Any]]:
        return self._read(select(kb_entries).where(kb_entries.c.status == "draft").order_by(kb_entries.c.id))

    def find(self, entry_id: str, conn: Connection | None = None) -> dict[str, Any] | None:
        """An entry in any status (approved, draft, rejected)."""
        query = select(kb_entries).where(kb_entries.c.id == entry_id)
        rows = _rows(conn, query) if conn is not None else self._read(query)
        return rows[0] if rows else None

    def draft_examples(self, entry_id: str, conn: Connection | None = None) -> list[str]:
        query = (select(kb_draft_examples.c.text).where(kb_draft_examples.c.entry_id == entry_id)
                 .order_by(kb_draft_examples.c.id))
        return [r["text"] for r in (_rows(conn, query) if conn is not None else self._read(query))]

    def version(self) -> int:
        """The latest revision number (0 for an empty KB): changes whenever approved entries do."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(kb_revisions.c.id), 0))).scalar_one())

    # writing -----------------------------------------------------------------------------
    def add_draft(self, question: str, category: str, examples: list[str] | None = None,
                  answer: str = "", agency: str = "待確認") -> str:
        """A proposed entry awaiting a supervisor's answer and approval; returns its id."""
        with self.begin() as conn:
            number = conn.execute(select(func.count()).select_from(kb_entries)
                                  .where(kb_entries.c.id.like("DRAFT-%"))).scalar_one() + 1
            draft_id = f"DRAFT-{number:03d}"
            conn.execute(insert(kb_entries).values(id=draft_id, category=category, agency=agency, question=question,
                                                   answer=answer, status="draft", revision=0, updated_at=_now()))
            if examples:
                conn.execute(insert(kb_draft_examples), [{"entry_id": draft_id, "text": t} for t in examples])
        return draft_id

    def update_draft(self, draft_id: str, **fields: str) -> None:
        """Change fields (answer, agency, …) of a draft; approved entries change only through review."""
        with self.begin() as conn:
            conn.execute(update(kb_entries).where(kb_entries.c.id == draft_id, kb_entries.c.status == "draft")
                         .values(**fields, updated_at=_now()))

    def diff(self, entries: list[Entry], full: bool = True) -> ImportDiff:
        current = {row["id"]: row for row in self.entries()}
        diff = ImportDiff(revision=None)
        for entry in entries:
            old = current.get(entry.id)
            if old is None:
                diff.added.append(entry.id)
            elif any(old[f] != getattr(entry, f) for f in FIELDS):
                diff.changed.append(entry.id)
        if full:
            incoming = {e.id for e in entries}
            diff.removed = sorted(i for i in current if i not in incoming)
        return diff

    def import_entries(self, entries: list[Entry], source: str, author: str = "kb import",
                       full: bool = True, allowed_removals: set[str] | None = None) -> ImportDiff:
        """Store a new revision in one transaction; a no-change import stores nothing.

        ``allowed_removals``: the entries the user agreed to remove; if the KB changed since (more
        would go), nothing is stored.
        """
        diff = self.diff(entries, full)
        if allowed_removals is not None and not set(diff.removed) <= allowed_removals:
            extra = sorted(set(diff.removed) - allowed_removals)
            raise KBChangedError(f"the KB changed meanwhile: the import would also remove {' '.join(extra)}")
        if diff.empty:
            return diff
        by_id = {e.id: e for e in entries}
        now = _now()
        with self.begin() as conn:
            revision = int(conn.execute(insert(kb_revisions).values(
                created_at=now, source=source[:200], author=author, note="", added=len(diff.added),
                changed=len(diff.changed), removed=len(diff.removed)).returning(kb_revisions.c.id)).scalar_one())
            history = []
            for action, ids in (("added", diff.added), ("changed", diff.changed)):
                for entry_id in ids:
                    entry = by_id[entry_id]
                    values = {**entry.as_dict(), "status": "approved", "revision": revision, "updated_at": now}
                    upsert(conn, values)
                    history.append({"revision": revision, "entry_id": entry_id, "action": action,
                                    **{f: getattr(entry, f) for f in FIELDS if f != "id"}})
            for entry_id in diff.removed:
                old = _rows(conn, select(kb_entries).where(kb_entries.c.id == entry_id))[0]
                conn.execute(delete(kb_entries).where(kb_entries.c.id == entry_id))
                history.append({"revision": revision, "entry_id": entry_id, "action": "removed",
                                **{f: old[f] for f in FIELDS if f != "id"}})
            conn.execute(insert(kb_entry_history), history)
        diff.revision = revision
        return diff


def upsert(conn: Connection, values: dict[str, Any]) -> None:
    """Insert or replace one ``kb_entries`` row (portable: update, then insert when nothing matched)."""
    done = conn.execute(update(kb_entries).where(kb_entries.c.id == values["id"]).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(kb_entries).values(**values))
