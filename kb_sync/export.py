"""Export the whole KB, with its revision history, to one XLSX or JSONL file (the seed's
end-of-project single file for the Treasury)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb_sync.store import KnowledgeBase

_ENTRY_COLUMNS = ["id", "category", "agency", "question", "answer", "revision", "updated_at"]
# history rows carry their revision's time, author and note, so each row reads on its own
_HISTORY_COLUMNS = ["revision", "entry_id", "action", "category", "agency", "question", "answer", "created_at",
                    "author", "note"]
_REVISION_COLUMNS = ["id", "created_at", "source", "author", "added", "changed", "removed", "note"]


def _history(kb: KnowledgeBase) -> list[dict[str, Any]]:
    revisions = {r["id"]: r for r in kb.revisions()}
    return [{**row, **{k: revisions[row["revision"]][k] for k in ("created_at", "author", "note")}}
            for row in kb.history()]


def export_kb(kb: KnowledgeBase, path: Path) -> int:
    """Write entries (+ revisions and history); returns the number of entries written."""
    entries = kb.entries()
    history = _history(kb)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as out:
            for row in entries:
                out.write(json.dumps({"type": "entry", **{c: row[c] for c in _ENTRY_COLUMNS}}, ensure_ascii=False) + "\n")
            for row in kb.revisions():
                out.write(json.dumps({"type": "revision", **{c: row[c] for c in _REVISION_COLUMNS}}, ensure_ascii=False) + "\n")
            for row in history:
                out.write(json.dumps({"type": "history", **{c: row[c] for c in _HISTORY_COLUMNS}}, ensure_ascii=False) + "\n")
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheets = [("faq", _ENTRY_COLUMNS, entries), ("revisions", _REVISION_COLUMNS, kb.revisions()),
                  ("history", _HISTORY_COLUMNS, history)]
        for index, (title, columns, rows) in enumerate(sheets):
            sheet = book.active if index == 0 else book.create_sheet()
            sheet.title = title
            sheet.append(columns)
            for row in rows:
                sheet.append([row[c] for c in columns])
        book.save(path)
    else:
        raise ValueError(f"{path.name}: export as .xlsx or .jsonl")
    return len(entries)
