"""KB upkeep with review: supervisors edit entries, and nothing reaches citizens until approved.

- A draft (``kb_entries.status = 'draft'``, from ``KnowledgeBase.add_draft``) is edited in place and
  approved as a new entry, or rejected (status ``rejected``; the row stays so draft ids are never
  reused).
- An edit of an approved entry is a *pending change* (table ``kb_changes``, one per entry at a time)
  until a supervisor approves it. It remembers the revision it was based on: if the live entry
  changed meanwhile (another approval, a ``kb import``), approving it is refused as stale.
- Every approval is one new KB revision (``kb_revisions`` + ``kb_entry_history``, as an import is),
  so ``kb export`` holds it; every decision is logged in ``kb_changes``. The caller may write more
  in the approval's transaction (the announcement to agents: both or neither).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update

from kb_sync.diff import REVIEW_FIELDS, field_changes, summary
from kb_sync.errors import EntryNotFound, StaleChange, UpkeepError
from kb_sync.readers import MAX_FIELD_CHARS
from kb_sync.store import KnowledgeBase, _now, _rows, upsert
from kb_sync.tables import kb_changes, kb_entries, kb_entry_history, kb_revisions

UNASSIGNED_AGENCY = "待確認"  # what add_draft puts in ``agency``
PII_LABELS = {"name": "人名稱謂（如王先生、陳小姐）", "id": "身分證號", "mobile": "手機號碼", "landline": "電話號碼",
              "account": "帳號", "email": "電子郵件"}


class PersonalDataUnconfirmed(UpkeepError):
    """The text to publish looks like it holds personal data and the reviewer has not confirmed it."""

    code = "kb_personal_data"


def pii_warnings(fields: dict[str, str] | None) -> list[dict[str, Any]]:
    """Per field, the kinds of personal data a reviewer must look at before publishing (issue 12)."""
    from bot.pii import kinds

    warnings = []
    for name, value in (fields or {}).items():
        found = sorted(kinds(value or ""))
        if found:
            warnings.append({"field": name, "kinds": found, "labels": [PII_LABELS[k] for k in found]})
    return warnings


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
    announcement: Any = None  # what approve's ``also`` returned (written in the same transaction)


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


def pending_change(kb: KnowledgeBase, entry_id: str, conn: Connection | None = None) -> dict[str, Any] | None:
    query = select(kb_changes).where(kb_changes.c.entry_id == entry_id, kb_changes.c.status == "pending").limit(1)
    if conn is None:
        with kb.engine.connect() as own:
            rows = _rows(own, query)
    else:
        rows = _rows(conn, query)
    return rows[0] if rows else None


def _entry(kb: KnowledgeBase, entry_id: str, conn: Connection | None = None) -> dict[str, Any]:
    entry = kb.find(entry_id, conn)
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
            "summary": summary(changes, new=before is None), "pii_warnings": pii_warnings(after)}


def review_queue(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Drafts first (oldest first), then pending edits."""
    items = [review_item(kb, entry) for entry in kb.drafts()]
    with kb.engine.connect() as conn:
        pending = _rows(conn, select(kb_changes).where(kb_changes.c.status == "pending").order_by(kb_changes.c.id))
    for change in pending:
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
        kb.update_draft(entry_id, **merged)
        return review_item(kb, _entry(kb, entry_id))
    if entry["status"] != "approved":
        raise UpkeepError(f"{entry_id} 已退回，不能再修改；請重新提出草稿")
    with kb.begin() as conn:
        current = pending_change(kb, entry_id, conn)
        merged = _checked({**_fields(current or entry), **given}, complete=True)
        if merged == _fields(entry):
            raise UpkeepError(f"{entry_id}：內容與目前版本相同，沒有需要審核的修改")
        values = {**merged, "entry_id": entry_id, "kind": "edit", "base_revision": entry["revision"],
                  "proposed_by": author, "proposed_at": _now(), "status": "pending"}
        if current:
            conn.execute(update(kb_changes).where(kb_changes.c.id == current["id"]).values(**values))
        else:
            conn.execute(insert(kb_changes).values(**values))
    return review_item(kb, entry)


def approve(kb: KnowledgeBase, entry_id: str, reviewer: str, note: str = "",
            also: Callable[[Connection, Approval], Any] | None = None, confirm_pii: bool = False) -> Approval:
    """Make the draft or the pending change live as one new revision.

    Text that looks like personal data (a name form such as 王先生, an ID, a phone, an account) is
    refused (``PersonalDataUnconfirmed``) unless the reviewer confirms it with ``confirm_pii``.

    ``also(conn, approval)`` runs inside the same transaction (the announcement of the change):
    if it fails, nothing is approved; its result is ``Approval.announcement``.
    """
    with kb.begin() as conn:
        entry = _entry(kb, entry_id, conn)
        change = None
        if entry["status"] == "draft":
            before, after, action = None, _checked(_fields(entry), complete=True), "added"
        elif entry["status"] == "approved":
            change = pending_change(kb, entry_id, conn)
            if change is None:
                raise EntryNotFound(f"{entry_id} 沒有待審核的修改")
            if change["base_revision"] != entry["revision"]:
                raise StaleChange(f"{entry_id} 在這項修改提出後已更新（第 {change['base_revision']} 版 → 第 "
                                  f"{entry['revision']} 版）：請重新檢視並儲存修改後再核准")
            before, after, action = _fields(entry), _checked(_fields(change), complete=True), "changed"
        else:
            raise UpkeepError(f"{entry_id} 已退回，不能核准")
        warnings = pii_warnings(after)
        if warnings and not confirm_pii:
            where = "；".join(f"{w['field']}：{'、'.join(w['labels'])}" for w in warnings)
            raise PersonalDataUnconfirmed(f"{entry_id} 的內容疑似含有個人資料（{where}）：請修改，或確認無誤後勾選確認再核准")
        changes = field_changes(before, after)
        text = summary(changes, new=before is None)
        note = " ".join(note.split())[:500]
        now = _now()
        revision = int(conn.execute(insert(kb_revisions).values(
            created_at=now, source="kb upkeep", author=reviewer,
            note=f"{entry_id} {text}" + (f"：{note}" if note else ""),
            added=int(action == "added"), changed=int(action == "changed"), removed=0)
            .returning(kb_revisions.c.id)).scalar_one())
        upsert(conn, {"id": entry_id, **after, "status": "approved", "revision": revision, "updated_at": now})
        conn.execute(insert(kb_entry_history).values(revision=revision, entry_id=entry_id, action=action, **after))
        decision = {"status": "approved", "reviewed_by": reviewer, "reviewed_at": now, "revision": revision,
                    "note": note}
        if change is not None:
            conn.execute(update(kb_changes).where(kb_changes.c.id == change["id"]).values(**decision))
        else:
            conn.execute(insert(kb_changes).values(entry_id=entry_id, kind="new", **after, base_revision=0,
                                                   proposed_by=None, proposed_at=entry["updated_at"], **decision))
        examples = kb.draft_examples(entry_id, conn) if action == "added" else []
        approval = Approval(entry_id, revision, action, changes, text, _entry(kb, entry_id, conn), examples, note)
        if also is not None:
            approval.announcement = also(conn, approval)
    return approval


def reject(kb: KnowledgeBase, entry_id: str, reviewer: str, reason: str) -> dict[str, Any]:
    """Turn down a draft or a pending change; the reason is kept in the review log."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise UpkeepError("請填寫退回原因")
    now = _now()
    decision = {"status": "rejected", "reviewed_by": reviewer, "reviewed_at": now, "note": reason}
    with kb.begin() as conn:
        entry = _entry(kb, entry_id, conn)
        if entry["status"] == "draft":
            conn.execute(update(kb_entries).where(kb_entries.c.id == entry_id)
                         .values(status="rejected", updated_at=now))
            conn.execute(insert(kb_changes).values(entry_id=entry_id, kind="new", **_fields(entry), base_revision=0,
                                                   proposed_by=None, proposed_at=entry["updated_at"], **decision))
        else:
            change = pending_change(kb, entry_id, conn)
            if change is None:
                raise EntryNotFound(f"{entry_id} 沒有待審核的修改")
            conn.execute(update(kb_changes).where(kb_changes.c.id == change["id"]).values(**decision))
    return {"entry_id": entry_id, "status": "rejected", "reason": reason}


def entry_history(kb: KnowledgeBase, entry_id: str) -> dict[str, Any]:
    """Every revision of one entry (newest first) and its review log."""
    h, r = kb_entry_history, kb_revisions
    query = (select(h.c.revision, h.c.action, h.c.category, h.c.agency, h.c.question, h.c.answer, r.c.created_at,
                    r.c.source, r.c.author, r.c.note)
             .join(r, r.c.id == h.c.revision).where(h.c.entry_id == entry_id).order_by(h.c.revision.desc()))
    with kb.engine.connect() as conn:
        revisions = _rows(conn, query)
        reviews = _rows(conn, select(kb_changes).where(kb_changes.c.entry_id == entry_id)
                        .order_by(kb_changes.c.id.desc()))
    return {"entry_id": entry_id, "revisions": revisions, "reviews": reviews}


def listing(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Approved entries without their answers, each flagged when an edit awaits review."""
    with kb.engine.connect() as conn:
        pending = set(conn.execute(select(kb_changes.c.entry_id).where(kb_changes.c.status == "pending")).scalars())
    return [{k: e[k] for k in ("id", "category", "agency", "question", "revision", "updated_at")}
            | {"pending": e["id"] in pending} for e in kb.entries()]
