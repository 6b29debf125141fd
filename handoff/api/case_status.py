"""The public case-status page (no login): case number + last 4 phone digits → status and the
agency's published reply, and the 5-point survey after a case. Rate-limited per client address
(``HOTLINE_STATUS_RATE_LIMIT`` lookups a minute); a wrong pair answers 404 like an unknown number.

The limiter is per process (a sliding minute in memory): behind N processes a client gets at most
N × the limit, still far from enumerating 10 000 digit combinations per case.
"""
from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from handoff import access
from handoff.api.bodies import Body
from handoff.api.pages import PAGES
from handoff.cases.aftercare import NOT_FOUND
from handoff.cases.lifecycle import CaseError
from handoff.deps import Services, ServicesDep

router = APIRouter(tags=["case status"])
for _method, _path in (("GET", "/case-status"), ("GET", "/api/case-status"), ("POST", "/api/case-status/survey")):
    access.register(_method, _path, access.ANYONE, note="citizens: rate-limited, status + published reply only")


def _limit(request: Request, services: Services) -> None:
    client = request.client.host if request.client else "-"
    if not services.status_limiter.allow(client, services.settings.status_rate_limit, time.monotonic()):
        raise HTTPException(429, "查詢次數過多，請一分鐘後再試", headers={"Retry-After": "60"})


class SurveyIn(BaseModel):
    number: str = Field(min_length=1, max_length=24)
    digits: str = Field(pattern=r"^\d{4}$")
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)


class PublicStatus(Body):
    """All the public page may show: the status and, once replied, the agency's published reply."""

    number: str
    status: str
    reply: str | None
    survey_open: bool


class SurveyThanks(Body):
    saved: bool


@router.get("/case-status", include_in_schema=False)
async def status_page() -> FileResponse:
    return FileResponse(PAGES / "case_status.html", media_type="text/html; charset=utf-8")


@router.get("/api/case-status", response_model=PublicStatus)
async def case_status(request: Request, services: ServicesDep, number: Annotated[str, Query(max_length=24)],
                      digits: Annotated[str, Query(max_length=8)]) -> dict[str, Any]:
    _limit(request, services)
    found = await services.cases.aftercare.status(number, digits)
    if found is None:
        raise CaseError("not_found", NOT_FOUND, 404)
    return found


@router.post("/api/case-status/survey", status_code=201, response_model=SurveyThanks)
async def case_survey(request: Request, services: ServicesDep, body: SurveyIn) -> dict[str, Any]:
    _limit(request, services)
    await services.cases.aftercare.citizen_survey(body.number, body.digits, body.score, body.comment)
    return {"saved": True}
