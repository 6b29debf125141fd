"""KB upkeep with review (supervisors) and KB announcements (佈達) for every staff user.

Supervisors: list entries, the review queue (drafts and pending edits, with a before/after diff),
edit, approve, reject, the history of an entry, and who acknowledged which announcement.
Everyone logged in: their own unacknowledged announcements, and acknowledging one.
"""
from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import HotlineError
from handoff import control, kb_live
from handoff.api.bodies import Body
from handoff.deps import CurrentStaff, CurrentSupervisor, ServicesDep, SettingsDep
from handoff.services import Services
from handoff.storage.training import in_database, write_examples
from kb_sync import upkeep
from kb_sync.errors import EntryNotFound
from kb_sync.readers import MAX_FIELD_CHARS

router = APIRouter(prefix="/api", tags=["kb upkeep"])
APPROVED_DRAFTS_FILE = "approved_drafts.yml"  # nlu_data/: examples of newly approved entries


class EditRequest(BaseModel):
    question: str | None = Field(None, max_length=MAX_FIELD_CHARS["question"])
    answer: str | None = Field(None, max_length=MAX_FIELD_CHARS["answer"])
    category: str | None = Field(None, max_length=MAX_FIELD_CHARS["category"])
    agency: str | None = Field(None, max_length=MAX_FIELD_CHARS["agency"])


class ApproveRequest(BaseModel):
    note: str = Field("", max_length=500)
    confirm_pii: bool = Field(False, description="The reviewer checked the personal-data warnings (issue 12).")


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


# ---- response bodies ---------------------------------------------------------------------------
class ListedEntry(Body):
    id: str
    category: str
    agency: str
    question: str
    revision: int
    updated_at: str
    pending: bool = Field(description="An edit of this entry awaits review.")


class EntryList(Body):
    entries: list[ListedEntry]
    total: int
    drafts: int
    pending: int


class ReviewItem(Body):
    """What a reviewer sees: before (null for a new entry), after, and the field-by-field diff."""

    entry_id: str
    kind: str = Field(description="new (a draft) or edit (a pending change of an approved entry)")
    status: str
    change_id: int | None
    proposed_by: str | None
    proposed_at: str | None
    examples: list[str]
    base_revision: int | None = Field(None, description="Edits only: the revision the edit was made on.")
    stale: bool | None = Field(None, description="Edits only: the entry changed since.")
    before: dict[str, str] | None
    after: dict[str, str]
    changes: list[dict[str, Any]]
    summary: str
    pii_warnings: list[dict[str, Any]]


class KBEntry(Body):
    id: str
    category: str
    agency: str
    question: str
    answer: str
    status: str
    revision: int
    updated_at: str


class EntryHistory(Body):
    entry_id: str
    revisions: list[dict[str, Any]]
    reviews: list[dict[str, Any]]


class EntryDetail(Body):
    entry: KBEntry
    review: ReviewItem | None
    history: EntryHistory


class Approved(Body):
    entry_id: str
    revision: int
    action: str
    summary: str
    announcement_id: int
    training_file: str | None
    training_error: str | None
    retrain_needed: bool


class Rejected(Body):
    entry_id: str
    status: str
    reason: str


class Ack(Body):
    username: str
    acked_at: float


class Announcement(Body):
    id: int
    kb_id: str
    revision: int
    title: str
    body: str
    created_by: str
    created_at: float


class AnnouncementStatus(Announcement):
    acks: list[Ack]
    pending: list[str] = Field(description="Staff who have not acknowledged it yet.")


class MyAnnouncement(Announcement):
    acked_at: float | None


class Acknowledged(Body):
    announcement_id: int
    username: str
    acked_at: float


class UnknownAnnouncement(HotlineError, LookupError):
    code, status = "not_found", 404


def _model_knows(services: Services, intent: str) -> bool:
    """Whether the served model has this intent (a brand-new entry needs a retrain first)."""
    pipeline = services.nlu.pipeline
    for component in getattr(pipeline, "components", []):
        known = getattr(component, "intents", None)
        if isinstance(known, list):
            return intent in known
    return False


# ---- supervisors: entries and review ------------------------------------------------------------
@router.get("/kb/entries", response_model=EntryList)
async def entries(services: ServicesDep, user: CurrentSupervisor,
                  q: str = Query("", max_length=200), limit: int = Query(400, ge=1, le=2000)) -> dict[str, Any]:
    """Approved entries (no answers) — all, or the best matches for ``q`` — and the review counts."""
    kb = services.kb
    rows = upkeep.listing(kb)
    if q.strip():
        order = [e["id"] for e in services.live_kb.search.search(q, limit)]
        by_id = {r["id"]: r for r in rows}
        rows = [by_id[i] for i in order if i in by_id]
    queue = upkeep.review_queue(kb)
    return {"entries": rows[:limit], "total": kb.count(),
            "drafts": sum(i["kind"] == "new" for i in queue), "pending": sum(i["kind"] == "edit" for i in queue)}


@router.get("/kb/review", response_model=list[ReviewItem], response_model_exclude_unset=True)
async def review(services: ServicesDep, user: CurrentSupervisor) -> list[dict[str, Any]]:
    return upkeep.review_queue(services.kb)


@router.get("/kb/entries/{entry_id}", response_model=EntryDetail, response_model_exclude_unset=True)
async def entry(entry_id: str, services: ServicesDep, user: CurrentSupervisor) -> dict[str, Any]:
    """One entry in any status, its pending review item (if any) and its history."""
    kb = services.kb
    row = kb.find(entry_id)
    if row is None:
        raise EntryNotFound(f"沒有知識庫條目 {entry_id}")
    pending = None
    if row["status"] == "draft" or upkeep.pending_change(kb, entry_id):
        pending = upkeep.review_item(kb, row)
    return {"entry": row, "review": pending, "history": upkeep.entry_history(kb, entry_id)}


@router.put("/kb/entries/{entry_id}", response_model=ReviewItem, response_model_exclude_unset=True)
async def edit(entry_id: str, body: EditRequest, services: ServicesDep, user: CurrentSupervisor) -> dict[str, Any]:
    """Edit a draft, or propose an edit of an approved entry; either then awaits approval."""
    return upkeep.propose(services.kb, entry_id, body.model_dump(), user["username"])


@router.post("/kb/entries/{entry_id}/approve", response_model=Approved)
async def approve(entry_id: str, body: ApproveRequest, services: ServicesDep, settings: SettingsDep,
                  user: CurrentSupervisor) -> dict[str, Any]:
    """A new revision, live at once in this server, announced to the agents (one transaction)."""
    def approve_and_announce() -> upkeep.Approval:
        return upkeep.approve(services.kb, entry_id, user["username"], body.note,
                              also=lambda conn, approval: kb_live.record(conn, approval, user["username"]),
                              confirm_pii=body.confirm_pii)

    approval = await asyncio.get_running_loop().run_in_executor(None, approve_and_announce)
    training_file, training_error = None, None
    if approval.action == "added":
        try:  # the approval stands either way; the engineer can still label examples by hand
            texts = [approval.entry["question"], *approval.examples]
            await asyncio.get_running_loop().run_in_executor(
                None, write_examples, settings.path(settings.nlu_data), APPROVED_DRAFTS_FILE, entry_id, texts)
            training_file = f"nlu_data/{APPROVED_DRAFTS_FILE}"
            if in_database(settings.path(settings.nlu_data)):  # until `hotline nlu-data export`
                training_file = f"database → {training_file}"
        except (HotlineError, OSError, SQLAlchemyError) as exc:
            training_error = f"訓練資料未寫入：{exc}"
    # ~0.1 s for the search index: off the event loop (the reload opens its own DB connection)
    await asyncio.get_running_loop().run_in_executor(None, services.live_kb.reload)
    await control.announce(services.backends.broker, {"type": "kb_changed", "revision": approval.revision})  # other processes
    announcement = approval.announcement
    # Pushed to every connected agent console, on whatever process (the console then re-reads its list).
    await services.hub.relay.to_agents({"type": "announcement", "id": announcement["id"]})
    return {"entry_id": entry_id, "revision": approval.revision, "action": approval.action,
            "summary": approval.summary, "announcement_id": announcement["id"], "training_file": training_file,
            "training_error": training_error,
            "retrain_needed": not _model_knows(services, entry_id)}


@router.post("/kb/entries/{entry_id}/reject", response_model=Rejected)
async def reject(entry_id: str, body: RejectRequest, services: ServicesDep, user: CurrentSupervisor) -> dict[str, Any]:
    return upkeep.reject(services.kb, entry_id, user["username"], body.reason)


@router.get("/kb/entries/{entry_id}/history", response_model=EntryHistory)
async def history(entry_id: str, services: ServicesDep, user: CurrentSupervisor) -> dict[str, Any]:
    if services.kb.find(entry_id) is None:
        raise EntryNotFound(f"沒有知識庫條目 {entry_id}")
    return upkeep.entry_history(services.kb, entry_id)


@router.get("/kb/announcements", response_model=list[AnnouncementStatus])
async def announcement_status(services: ServicesDep, user: CurrentSupervisor,
                              limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    """Each announcement with who acknowledged it (and when) and which agents have not yet."""
    return await kb_live.overview(services.db, limit)


# ---- every staff user: their announcements ------------------------------------------------------
@router.get("/announcements", response_model=list[MyAnnouncement])
async def my_announcements(services: ServicesDep, user: CurrentStaff,
                           include_acked: bool = Query(False, alias="all")) -> list[dict[str, Any]]:
    """Unacknowledged announcements (``?all=true``: acknowledged ones too), newest first."""
    return await kb_live.for_user(services.db, user["username"], include_acked=include_acked)


@router.post("/announcements/{announcement_id}/ack", response_model=Acknowledged)
async def acknowledge(announcement_id: int, services: ServicesDep, user: CurrentStaff) -> dict[str, Any]:
    try:
        acked_at = await kb_live.acknowledge(services.db, announcement_id, user["username"])
    except LookupError as exc:  # kb_live's own (not yet a HotlineError)
        raise UnknownAnnouncement(str(exc)) from exc
    return {"announcement_id": announcement_id, "username": user["username"], "acked_at": acked_at}
