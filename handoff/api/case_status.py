"""The public case-status page (no login): case number + last 4 phone digits → status and the
agency's published reply, and the 5-point survey after a case. Rate-limited per client address
(``HOTLINE_STATUS_RATE_LIMIT`` lookups a minute); a wrong pair answers 404 like an unknown number.

The limiter is per process (a sliding minute in memory): behind N processes a client gets at most
N × the limit, still far from enumerating 10 000 digit combinations per case.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from handoff import access
from handoff.api.pages import _page
from handoff.cases.lifecycle import CaseError
from handoff.cases.wiring import service_for

router = APIRouter(tags=["case status"])
for _method, _path in (("GET", "/case-status"), ("GET", "/api/case-status"), ("POST", "/api/case-status/survey")):
    access.register(_method, _path, access.ANYONE, note="citizens: rate-limited, status + published reply only")
WINDOW = 60.0
NOT_FOUND = "查無此案件，請確認案號及電話末四碼"


class Limiter:
    def __init__(self) -> None:
        self.hits: dict[str, deque[float]] = {}

    def allow(self, key: str, limit: int, now: float) -> bool:
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW:
            hits.popleft()
        if len(self.hits) > 10_000:  # forget idle clients so the table stays small
            for idle in [k for k, v in self.hits.items() if not v]:
                del self.hits[idle]
        if len(hits) >= limit:
            return False
        hits.append(now)
        return True


def _limit(request: Request) -> None:
    limiter = getattr(request.app.state, "status_limiter", None)
    if limiter is None:
        limiter = request.app.state.status_limiter = Limiter()
    client = request.client.host if request.client else "-"
    if not limiter.allow(client, request.app.state.settings.status_rate_limit, time.monotonic()):
        raise HTTPException(429, "查詢次數過多，請一分鐘後再試", headers={"Retry-After": "60"})


class SurveyIn(BaseModel):
    number: str = Field(min_length=1, max_length=24)
    digits: str = Field(pattern=r"^\d{4}$")
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)


@router.get("/case-status", include_in_schema=False)
async def status_page() -> FileResponse:
    return _page("case_status.html")


@router.get("/api/case-status")
async def case_status(request: Request, number: Annotated[str, Query(max_length=24)],
                      digits: Annotated[str, Query(max_length=8)]) -> dict[str, Any]:
    _limit(request)
    found = await service_for(request.app).aftercare.status(number, digits)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    return found


@router.post("/api/case-status/survey", status_code=201)
async def case_survey(request: Request, body: SurveyIn) -> dict[str, Any]:
    _limit(request)
    try:
        await service_for(request.app).aftercare.citizen_survey(body.number, body.digits, body.score, body.comment)
    except CaseError as exc:
        raise HTTPException(exc.status, NOT_FOUND if exc.status == 404 else str(exc),
                            headers={"X-Error-Code": exc.code}) from exc
    return {"saved": True}
