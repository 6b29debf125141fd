"""The knowledge base in SQLite (sqlite-utils): current entries plus every revision.

Tables: ``entries`` (current state), ``revisions`` (one per import or edit) and ``entry_history``
(what each revision added, changed or removed, with the full entry), so the KB can be exported
with its history and any past state rebuilt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from kb_sync.readers import FIELDS, Entry


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


def read_approved(path: Path) -> list[dict[str, Any]]:
    """The approved entries, read on a short-lived connection of its own (safe from any thread)."""
    db = sqlite_utils.Database(path)
    try:
        return list(db["entries"].rows_where("status = 'approved'", order_by="id"))
    finally:
        db.close()


class KnowledgeBase:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite_utils.Database(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        if "entries" not in self.db.table_names():
            self.db["entries"].create(
                {"id": str, "category": str, "agency": str, "question": str, "answer": str,
                 "status": str, "revision": int, "updated_at": str},
                pk="id",
            )
        if "revisions" not in self.db.table_names():
            self.db["revisions"].create(
                {"id": int, "created_at": str, "source": str, "author": str, "note": str,
                 "added": int, "changed": int, "removed": int},
                pk="id",
            )
        if "entry_history" not in self.db.table_names():
            self.db["entry_history"].create(
                {"revision": int, "entry_id": str, "action": str, "category": str, "agency": str,
                 "question": str, "answer": str},
                foreign_keys=[("revision", "revisions", "id")],
            )
            self.db["entry_history"].create_index(["entry_id"])
        if "draft_examples" not in self.db.table_names():
            self.db["draft_examples"].create({"entry_id": str, "text": str})
        if "changes" not in self.db.table_names():
            # The review log of KB upkeep (kb_sync/upkeep.py): pending edits of approved entries and
            # every approve/reject decision; an approved change names the revision it made.
            self.db["changes"].create(
                {"id": int, "entry_id": str, "kind": str, "category": str, "agency": str, "question": str,
                 "answer": str, "base_revision": int, "proposed_by": str, "proposed_at": str, "status": str,
                 "reviewed_by": str, "reviewed_at": str, "revision": int, "note": str},
                pk="id",
            )
            self.db["changes"].create_index(["entry_id", "status"])

    # reading -----------------------------------------------------------------------------
    def get(self, entry_id: str) -> dict[str, Any] | None:
        rows = list(self.db["entries"].rows_where("id = ? and status = 'approved'", [entry_id]))
        return rows[0] if rows else None

    def entries(self) -> list[dict[str, Any]]:
        return list(self.db["entries"].rows_where("status = 'approved'", order_by="id"))

    def count(self) -> int:
        return self.db["entries"].count_where("status = 'approved'")

    def revisions(self) -> list[dict[str, Any]]:
        return list(self.db["revisions"].rows_where(order_by="id"))

    def history(self) -> list[dict[str, Any]]:
        return list(self.db["entry_history"].rows_where(order_by="revision, entry_id"))

    def drafts(self) -> list[dict[str, Any]]:
        return list(self.db["entries"].rows_where("status = 'draft'", order_by="id"))

    def find(self, entry_id: str) -> dict[str, Any] | None:
        """An entry in any status (approved, draft, rejected)."""
        rows = list(self.db["entries"].rows_where("id = ?", [entry_id]))
        return rows[0] if rows else None

    def draft_examples(self, entry_id: str) -> list[str]:
        return [r["text"] for r in self.db["draft_examples"].rows_where("entry_id = ?", [entry_id], order_by="rowid")]

    def version(self) -> int:
        """The latest revision number (0 for an empty KB): changes whenever approved entries do."""
        return int(self.db.execute("select coalesce(max(id), 0) from revisions").fetchone()[0])

    # writing -----------------------------------------------------------------------------
    def add_draft(self, question: str, category: str, examples: list[str] | None = None) -> str:
        """A proposed entry awaiting a supervisor's answer and approval; returns its id."""
        number = self.db["entries"].count_where("id like 'DRAFT-%'") + 1
        draft_id = f"DRAFT-{number:03d}"
        self.db["entries"].insert({"id": draft_id, "category": category, "agency": "待確認", "question": question,
                                   "answer": "", "status": "draft", "revision": 0, "updated_at": _now()})
        if examples:
            self.db["draft_examples"].insert_all([{"entry_id": draft_id, "text": t} for t in examples])
        return draft_id

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
                       full: bool = True) -> ImportDiff:
        """Store a new revision in one transaction; a no-change import stores nothing."""
        diff = self.diff(entries, full)
        if diff.empty:
            return diff
        by_id = {e.id: e for e in entries}
        now = _now()
        with self.db.atomic():
            revision = self.db["revisions"].insert(
                {"created_at": now, "source": source, "author": author, "note": "",
                 "added": len(diff.added), "changed": len(diff.changed), "removed": len(diff.removed)}
            ).last_pk
            history = []
            for action, ids in (("added", diff.added), ("changed", diff.changed)):
                for entry_id in ids:
                    entry = by_id[entry_id]
                    self.db["entries"].upsert(
                        {**entry.as_dict(), "status": "approved", "revision": revision, "updated_at": now}, pk="id"
                    )
                    history.append({"revision": revision, "entry_id": entry_id, "action": action,
                                    **{f: getattr(entry, f) for f in FIELDS if f != "id"}})
            for entry_id in diff.removed:
                old = self.db["entries"].get(entry_id)
                self.db["entries"].delete(entry_id)
                history.append({"revision": revision, "entry_id": entry_id, "action": "removed",
                                **{f: old[f] for f in FIELDS if f != "id"}})
            self.db["entry_history"].insert_all(history)
        diff.revision = int(revision)
        return diff
