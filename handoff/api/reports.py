"""The supervisor's monthly report (JSON and downloads) and quality sampling (品質抽測)."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from handoff import access
from handoff.api.bodies import UNSET, Body
from handoff.deps import CurrentSupervisor, Services, ServicesDep
from handoff.reports import quality
from handoff.reports.export import FORMATS, definitions, render
from handoff.reports.figures import month_bounds
from handoff.reports.monthly import MonthlyReport, period_report
from handoff.reports.periods import Period, period

router = APIRouter(prefix="/api", tags=["reports"])
MONTH = Query(..., pattern=r"^\d{4}-\d{2}$", description="Calendar month in Asia/Taipei, YYYY-MM.")
KIND = Query(..., pattern="^(day|week|month|year)$", description="day, week, month or year.")
VALUE = Query(..., max_length=10, description="2023-10-05, 2023-W41, 2023-10 or 2023.")
access.register("GET", "/api/reports/period", access.SUPERVISOR)
DOWNLOAD: dict[int | str, dict[str, Any]] = {200: {
    "description": "The report as a file: XLSX (default), CSV or JSON (``format``), the JSON being MonthlyReport.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MonthlyReport"}},
                **{FORMATS[f]: {} for f in ("csv", "xlsx")}}}}
access.register("GET", "/api/reports/period/export", access.SUPERVISOR)


class SampleRequest(BaseModel):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    agent: str = Field(min_length=1, max_length=64)
    size: int = Field(3, ge=1, le=50)
    seed: int | None = None


class ReviewRequest(BaseModel):
    greeting: bool
    confirmed_need: bool
    anything_else: bool
    thanks: bool
    correct_answer: bool
    comment: str | None = Field(None, max_length=2000)


# ---- response bodies ---------------------------------------------------------------------------
class FigureDefinition(Body):
    name: str
    label: str
    doc: str


class ChecklistItem(Body):
    item: str
    label: str
    points: int


class AgentPool(Body):
    agent: str
    closed_chats: int
    reviewed: int
    unreviewed: int


class ChatSummary(Body):
    conversation_id: str
    agent: str | None
    created_at: str | None
    closed_at: str | None
    wait_seconds: float | None
    outcome: str | None
    state: str
    category: str | None
    summary: str | None


class QualityReview(Body):
    """A saved review: the checklist, its score (20 points an item) and who reviewed (times in ISO)."""

    id: int
    conversation_id: str
    agent: str
    reviewer: str
    greeting: bool
    confirmed_need: bool
    anything_else: bool
    thanks: bool
    correct_answer: bool
    score: int
    comment: str | None
    created_at: str | None


class TranscriptLine(Body):
    seq: int
    sender: str
    agent: str | None
    text: str
    kind: str | None
    payload: dict[str, Any]
    at: str | None


class Suggestion(Body):
    suggested: bool | None
    evidence: str | None


class QualityTranscript(ChatSummary):
    messages: list[TranscriptLine]
    precheck: dict[str, Suggestion] = Field(description="A suggestion per checklist item from the agent's messages.")
    review: QualityReview | None


def _month(month: str) -> str:
    month_bounds(month)  # a ReportError (422) says the expected form
    return month


async def _report(services: Services, month: str) -> MonthlyReport:
    return await _period_report(services, period("month", _month(month)))


@router.get("/reports/monthly", response_model=MonthlyReport)
async def monthly(services: ServicesDep, user: CurrentSupervisor, month: str = MONTH) -> dict[str, Any]:
    return (await _report(services, month)).to_dict()


async def _period_report(services: Services, span: Period) -> MonthlyReport:
    entries = services.live_kb.entries
    now = services.clock.now().timestamp()

    def title(kb_id: str) -> str | None:
        entry = entries.get(kb_id)
        return entry["question"] if entry else None

    return await services.db.read(lambda conn: period_report(conn, span, now, title))


@router.get("/reports/period", response_model=MonthlyReport)
async def by_period(services: ServicesDep, user: CurrentSupervisor, kind: str = KIND,
                    value: str = VALUE) -> dict[str, Any]:
    """The report for a day, an ISO week, a month or a year (the same figures at every cadence)."""
    return (await _period_report(services, period(kind, value))).to_dict()


@router.get("/reports/period/export", response_class=Response, responses=DOWNLOAD)
async def export_period(services: ServicesDep, user: CurrentSupervisor, kind: str = KIND, value: str = VALUE,
                        fmt: str = Query("xlsx", alias="format", pattern="^(xlsx|csv|json)$")) -> Response:
    span = period(kind, value)
    report = await _period_report(services, span)
    name = f"hotline-report-{span.label}.{fmt}"
    return Response(render(report, fmt), media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})


@router.get("/reports/definitions", response_model=dict[str, list[FigureDefinition]])
async def figure_definitions(user: CurrentSupervisor) -> dict[str, list[dict[str, str]]]:
    return definitions()


@router.get("/reports/monthly/export", response_class=Response, responses=DOWNLOAD)
async def export(services: ServicesDep, user: CurrentSupervisor, month: str = MONTH,
                 fmt: str = Query("xlsx", alias="format", pattern="^(xlsx|csv|json)$")) -> Response:
    report = await _report(services, month)
    name = f"hotline-report-{month}.{fmt}"
    return Response(render(report, fmt), media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})


# quality sampling ----------------------------------------------------------------------------
@router.get("/quality/checklist", response_model=list[ChecklistItem])
async def checklist(user: CurrentSupervisor) -> list[dict[str, Any]]:
    return [{"item": item, "label": label, "points": quality.POINTS_PER_ITEM} for item, label in quality.LABELS.items()]


@router.get("/quality/agents", response_model=list[AgentPool])
async def quality_agents(services: ServicesDep, user: CurrentSupervisor, month: str = MONTH) -> list[dict[str, Any]]:
    _month(month)
    return await services.db.read(lambda conn: quality.agents(conn, month))


@router.post("/quality/sample", response_model=list[ChatSummary])
async def quality_sample(body: SampleRequest, services: ServicesDep, user: CurrentSupervisor) -> list[dict[str, Any]]:
    _month(body.month)
    return await services.db.read(lambda conn: quality.sample(conn, body.month, body.agent, body.size, body.seed))


@router.get("/quality/conversations/{conversation_id}", response_model=QualityTranscript, **UNSET)
async def quality_transcript(conversation_id: str, services: ServicesDep, user: CurrentSupervisor) -> dict[str, Any]:
    return await services.db.read(lambda conn: quality.transcript(conn, conversation_id))


@router.put("/quality/reviews/{conversation_id}", response_model=QualityReview)
async def save_review(conversation_id: str, body: ReviewRequest, services: ServicesDep,
                      user: CurrentSupervisor) -> dict[str, Any]:
    items = body.model_dump(exclude={"comment"})
    now = services.clock.now().timestamp()
    return await services.db.write(lambda conn: quality.save_review(
        conn, conversation_id, user["username"], items, body.comment, now))


@router.get("/quality/reviews", response_model=list[QualityReview])
async def list_reviews(services: ServicesDep, user: CurrentSupervisor, month: str = MONTH,
                       agent: str | None = Query(None, max_length=64)) -> list[dict[str, Any]]:
    _month(month)
    return await services.db.read(lambda conn: quality.reviews(conn, month, agent))
