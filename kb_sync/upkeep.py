"""KB upkeep with review: supervisors edit entries, and nothing reaches citizens until approved.

- A draft (``entries.status = 'draft'``, from ``KnowledgeBase.add_draft``) is edited in place and
  approved as a new entry, or rejected (status ``rejected``; the row stays so draft ids are never
  reused).
- An edit of an approved entry is a *pending change* (table ``changes``, one per entry at a time)
  until a supervisor approves it. It remembers the revision it was based on: if the live entry
  changed meanwhile (another approval, a ``kb import``), approving it is refused as stale.
- Every approval is one new KB revision (``revisions`` + ``entry_history``, as an import is), so
  ``kb export`` holds it; every decision is logged in ``changes``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kb_sync.diff import REVIEW_FIELDS, field_changes, summary
from kb_sync.errors import EntryNotFound, StaleChange, UpkeepError
from kb_sync.readers import MAX_FIELD_CHARS
from kb_sync.store import KnowledgeBase, _now

UNASSIGNED_AGENCY = "待確認"  # what add_draft puts in ``agency``


@dataclass
class Approval:
    entry_id: str
    revision: int
    action: str  # "added" (a draft became an entry) or "changed"
    changes: list[dict[str, Any]]
    summary: str
    entry: dict[str, Any]
    examples: list[str] = field(default_factory=list)  # the draft's training examples (new entries)
    note: str = ""


def _fields(row: dict[str, Any]) -> dict[str, str]:
    return {name: row.get(name) or "" for name in REVIEW_FIELDS}


def _checked(fields: dict[str, str], complete: bool) -> dict[str, str]:
    """Trimmed fields; lengths always checked, emptiness only when the entry is to go live."""
    out = {}
    for name in REVIEW_FIELDS:
        value = " ".join(str(fields.get(name) or "").split()) if name != "answer" else str(fields.get(name) or "").strip()
        if len(value) > MAX_FIELD_CHARS[name]:
            raise UpkeepError(f"{name}：最多 {MAX_FIELD_CHARS[name]} 個字，目前 {len(value)} 個字")
        if complete and not value:
            raise UpkeepError(f"{name}：不可空白，請填寫後再核准")
        out[name] = value
    if complete and out["agency"] == UNASSIGNED_AGENCY:
        raise UpkeepError(f"agency：承辦機關仍是「{UNASSIGNED_AGENCY}」，請填寫負責的機關（例如 財政部）後再核准")
    return out


def pending_change(kb: KnowledgeBase, entry_id: str) -> dict[str, Any] | None:
    rows = list(kb.db["changes"].rows_where("entry_id = ? and status = 'pending'", [entry_id], limit=1))
    return rows[0] if rows else None


def _entry(kb: KnowledgeBase, entry_id: str) -> dict[str, Any]:
    entry = kb.find(entry_id)
    if entry is None:
        raise EntryNotFound(f"沒有知識庫條目 {entry_id}")
    return entry


def review_item(kb: KnowledgeBase, entry: dict[str, Any], change: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a reviewer sees: before (None for a new entry), after, and the field-by-field diff."""
    if entry["status"] == "draft":
        before, after = None, _fields(entry)
        item = {"entry_id": entry["id"], "kind": "new", "status": "draft", "change_id": None, "proposed_by": None,
                "proposed_at": entry["updated_at"], "examples": kb.draft_examples(entry["id"])}
    else:
        change = change or pending_change(kb, entry["id"])
        if change is None:
            raise EntryNotFound(f"{entry['id']} 沒有待審核的修改")
        before, after = _fields(entry), _fields(change)
        item = {"entry_id": entry["id"], "kind": "edit", "status": "pending", "change_id": change["id"],
                "proposed_by": change["proposed_by"], "proposed_at": change["proposed_at"], "examples": [],
                "base_revision": change["base_revision"], "stale": change["base_revision"] != entry["revision"]}
    changes = field_changes(before, after)
    return {**item, "before": before, "after": after, "changes": changes,
            "summary": summary(changes, new=before is None)}


def review_queue(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Drafts first (oldest first), then pending edits."""
    items = [review_item(kb, entry) for entry in kb.drafts()]
    for change in kb.db["changes"].rows_where("status = 'pending'", order_by="id"):
        entry = kb.find(change["entry_id"])
        if entry is not None and entry["status"] == "approved":
            items.append(review_item(kb, entry, change))
    return items


def propose(kb: KnowledgeBase, entry_id: str, fields: dict[str, str | None], author: str) -> dict[str, Any]:
    """Edit a draft in place, or record (replace) the pending change of an approved entry."""
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise UpkeepError(f"無法修改的欄位：{', '.join(sorted(unknown))}（可修改：{', '.join(REVIEW_FIELDS)}）")
    given = {k: v for k, v in fields.items() if v is not None}
    entry = _entry(kb, entry_id)
    if entry["status"] == "draft":
        merged = _checked({**_fields(entry), **given}, complete=False)
        kb.db["entries"].update(entry_id, {**merged, "updated_at": _now()})
        return review_item(kb, _entry(kb, entry_id))
    if entry["status"] != "approved":
        raise UpkeepError(f"{entry_id} 已退回，不能再修改；請重新提出草稿")
    current = pending_change(kb, entry_id)
    merged = _checked({**_fields(current or entry), **given}, complete=True)
    if merged == _fields(entry):
        raise UpkeepError(f"{entry_id}：內容與目前版本相同，沒有需要審核的修改")
    values = {**merged, "entry_id": entry_id, "kind": "edit", "base_revision": entry["revision"],
              "proposed_by": author, "proposed_at": _now(), "status": "pending"}
    with kb.db.atomic():
        if current:
            kb.db["changes"].update(current["id"], values)
        else:
            kb.db["changes"].insert(values)
    return review_item(kb, entry)


def approve(kb: KnowledgeBase, entry_id: str, reviewer: str, note: str = "") -> Approval:
    """Make the draft or the pending change live as one new revision."""
    entry = _entry(kb, entry_id)
    change = None
    if entry["status"] == "draft":
        before, after, action = None, _checked(_fields(entry), complete=True), "added"
    elif entry["status"] == "approved":
        change = pending_change(kb, entry_id)
        if change is None:
            raise EntryNotFound(f"{entry_id} 沒有待審核的修改")
        if change["base_revision"] != entry["revision"]:
            raise StaleChange(f"{entry_id} 在這項修改提出後已更新（第 {change['base_revision']} 版 → 第 "
                              f"{entry['revision']} 版）：請重新檢視並儲存修改後再核准")
        before, after, action = _fields(entry), _checked(_fields(change), complete=True), "changed"
    else:
        raise UpkeepError(f"{entry_id} 已退回，不能核准")
    changes = field_changes(before, after)
    text = summary(changes, new=before is None)
    note = " ".join(note.split())[:500]
    now = _now()
    with kb.db.atomic():
        revision = int(kb.db["revisions"].insert(
            {"created_at": now, "source": "kb upkeep", "author": reviewer,
             "note": f"{entry_id} {text}" + (f"：{note}" if note else ""),
             "added": int(action == "added"), "changed": int(action == "changed"), "removed": 0}).last_pk)
        kb.db["entries"].upsert({"id": entry_id, **after, "status": "approved", "revision": revision,
                                 "updated_at": now}, pk="id")
        kb.db["entry_history"].insert({"revision": revision, "entry_id": entry_id, "action": action, **after})
        decision = {"status": "approved", "reviewed_by": reviewer, "reviewed_at": now, "revision": revision,
                    "note": note}
        if change is not None:
            kb.db["changes"].update(change["id"], decision)
        else:
            kb.db["changes"].insert({"entry_id": entry_id, "kind": "new", **after, "base_revision": 0,
                                     "proposed_by": None, "proposed_at": entry["updated_at"], **decision})
    examples = kb.draft_examples(entry_id) if action == "added" else []
    return Approval(entry_id, revision, action, changes, text, _entry(kb, entry_id), examples, note)


def reject(kb: KnowledgeBase, entry_id: str, reviewer: str, reason: str) -> dict[str, Any]:
    """Turn down a draft or a pending change; the reason is kept in the review log."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise UpkeepError("請填寫退回原因")
    entry = _entry(kb, entry_id)
    now = _now()
    decision = {"status": "rejected", "reviewed_by": reviewer, "reviewed_at": now, "note": reason}
    with kb.db.atomic():
        if entry["status"] == "draft":
            kb.db["entries"].update(entry_id, {"status": "rejected", "updated_at": now})
            kb.db["changes"].insert({"entry_id": entry_id, "kind": "new", **_fields(entry), "base_revision": 0,
                                     "proposed_by": None, "proposed_at": entry["updated_at"], **decision})
        else:
            change = pending_change(kb, entry_id)
            if change is None:
                raise EntryNotFound(f"{entry_id} 沒有待審核的修改")
            kb.db["changes"].update(change["id"], decision)
    return {"entry_id": entry_id, "status": "rejected", "reason": reason}


def entry_history(kb: KnowledgeBase, entry_id: str) -> dict[str, Any]:
    """Every revision of one entry (newest first) and its review log."""
    revisions = [dict(zip(("revision", "action", "category", "agency", "question", "answer", "created_at",
                           "source", "author", "note"), row))
                 for row in kb.db.execute(
                     "select h.revision, h.action, h.category, h.agency, h.question, h.answer, r.created_at, "
                     "r.source, r.author, r.note from entry_history h join revisions r on r.id = h.revision "
                     "where h.entry_id = ? order by h.revision desc", [entry_id]).fetchall()]
    reviews = list(kb.db["changes"].rows_where("entry_id = ?", [entry_id], order_by="id desc"))
    return {"entry_id": entry_id, "revisions": revisions, "reviews": reviews}


def listing(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Approved entries without their answers, each flagged when an edit awaits review."""
    pending = {r["entry_id"] for r in kb.db["changes"].rows_where("status = 'pending'", select="entry_id")}
    return [{k: e[k] for k in ("id", "category", "agency", "question", "revision", "updated_at")}
            | {"pending": e["id"] in pending} for e in kb.entries()]
