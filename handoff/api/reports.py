"""The supervisor's monthly report (JSON and downloads) and quality sampling (品質抽測)."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from handoff import access
from handoff.deps import CurrentSupervisor, HubDep, Services, ServicesDep
from handoff.reports import quality
from handoff.reports.export import FORMATS, definitions, render
from handoff.reports.figures import ReportError, month_bounds
from handoff.reports.monthly import MonthlyReport, monthly_report, period_report
from handoff.reports.periods import Period, period

router = APIRouter(prefix="/api", tags=["reports"])
MONTH = Query(..., pattern=r"^\d{4}-\d{2}$", description="Calendar month in Asia/Taipei, YYYY-MM.")
KIND = Query(..., pattern="^(day|week|month|year)$", description="day, week, month or year.")
VALUE = Query(..., max_length=10, description="2023-10-05, 2023-W41, 2023-10 or 2023.")
access.register("GET", "/api/reports/period", access.SUPERVISOR)
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


def _month(month: str) -> str:
    try:
        month_bounds(month)
    except ReportError as exc:
        raise HTTPException(422, str(exc)) from exc
    return month


async def _report(services: Services, hub: Any, month: str) -> MonthlyReport:
    _month(month)
    entries = services.live_kb.entries
    now = hub.clock.now().timestamp()

    def title(kb_id: str) -> str | None:
        entry = entries.get(kb_id)
        return entry["question"] if entry else None

    return await hub.store.db.read(lambda conn: monthly_report(conn, month, now, title))


@router.get("/reports/monthly")
async def monthly(services: ServicesDep, hub: HubDep, user: CurrentSupervisor, month: str = MONTH) -> dict[str, Any]:
    return (await _report(services, hub, month)).to_dict()


def _span(kind: str, value: str) -> Period:
    try:
        return period(kind, value)
    except ReportError as exc:
        raise HTTPException(422, str(exc)) from exc


async def _period_report(services: Services, hub: Any, span: Period) -> MonthlyReport:
    entries = services.live_kb.entries
    now = hub.clock.now().timestamp()

    def title(kb_id: str) -> str | None:
        entry = entries.get(kb_id)
        return entry["question"] if entry else None

    return await hub.store.db.read(lambda conn: period_report(conn, span, now, title))


@router.get("/reports/period")
async def by_period(services: ServicesDep, hub: HubDep, user: CurrentSupervisor, kind: str = KIND,
                    value: str = VALUE) -> dict[str, Any]:
    """The report for a day, an ISO week, a month or a year (the same figures at every cadence)."""
    return (await _period_report(services, hub, _span(kind, value))).to_dict()


@router.get("/reports/period/export")
async def export_period(services: ServicesDep, hub: HubDep, user: CurrentSupervisor, kind: str = KIND, value: str = VALUE,
                        fmt: str = Query("xlsx", alias="format", pattern="^(xlsx|csv|json)$")) -> Response:
    span = _span(kind, value)
    report = await _period_report(services, hub, span)
    name = f"hotline-report-{span.label}.{fmt}"
    return Response(render(report, fmt), media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})


@router.get("/reports/definitions")
async def figure_definitions(user: CurrentSupervisor) -> dict[str, list[dict[str, str]]]:
    return definitions()


@router.get("/reports/monthly/export")
async def export(services: ServicesDep, hub: HubDep, user: CurrentSupervisor, month: str = MONTH,
                 fmt: str = Query("xlsx", alias="format", pattern="^(xlsx|csv|json)$")) -> Response:
    report = await _report(services, hub, month)
    name = f"hotline-report-{month}.{fmt}"
    return Response(render(report, fmt), media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"})


# quality sampling ----------------------------------------------------------------------------
def _quality_error(exc: quality.QualityError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


@router.get("/quality/checklist")
async def checklist(user: CurrentSupervisor) -> list[dict[str, Any]]:
    return [{"item": item, "label": label, "points": quality.POINTS_PER_ITEM} for item, label in quality.LABELS.items()]


@router.get("/quality/agents")
async def quality_agents(hub: HubDep, user: CurrentSupervisor, month: str = MONTH) -> list[dict[str, Any]]:
    _month(month)
    return await hub.store.db.read(lambda conn: quality.agents(conn, month))


@router.post("/quality/sample")
async def quality_sample(body: SampleRequest, hub: HubDep, user: CurrentSupervisor) -> list[dict[str, Any]]:
    _month(body.month)
    try:
        return await hub.store.db.read(lambda conn: quality.sample(conn, body.month, body.agent, body.size, body.seed))
    except quality.QualityError as exc:
        raise _quality_error(exc) from exc


@router.get("/quality/conversations/{conversation_id}")
async def quality_transcript(conversation_id: str, hub: HubDep, user: CurrentSupervisor) -> dict[str, Any]:
    try:
        return await hub.store.db.read(lambda conn: quality.transcript(conn, conversation_id))
    except quality.QualityError as exc:
        raise _quality_error(exc) from exc


@router.put("/quality/reviews/{conversation_id}")
async def save_review(conversation_id: str, body: ReviewRequest, hub: HubDep,
                      user: CurrentSupervisor) -> dict[str, Any]:
    items = body.model_dump(exclude={"comment"})
    now = hub.clock.now().timestamp()
    try:
        return await hub.store.db.write(lambda conn: quality.save_review(
            conn, conversation_id, user["username"], items, body.comment, now))
    except quality.QualityError as exc:
        raise _quality_error(exc) from exc


@router.get("/quality/reviews")
async def list_reviews(hub: HubDep, user: CurrentSupervisor, month: str = MONTH,
                       agent: str | None = Query(None, max_length=64)) -> list[dict[str, Any]]:
    _month(month)
    return await hub.store.db.read(lambda conn: quality.reviews(conn, month, agent))
