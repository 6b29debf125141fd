"""Spot checks (抽測, seed 004 伍 and 表3), recorded by supervisors; scored by
``handoff/reports/scoring.py`` (rules spot_report and spot_response, ±5)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Connection, insert, select

from handoff import access
from handoff.api.bodies import UNSET, row_model
from handoff.deps import CurrentSupervisor, ServicesDep
from handoff.reports.periods import period
from handoff.storage.schema import spot_checks

router = APIRouter(prefix="/api/spot-checks", tags=["reports"])
access.register("GET", "/api/spot-checks", access.SUPERVISOR)
access.register("POST", "/api/spot-checks", access.SUPERVISOR)


class SpotCheckIn(BaseModel):
    tester: str = Field(min_length=1, max_length=100)
    called_at: datetime  # 發話時間, ISO with offset
    agency: str = Field(min_length=1, max_length=100)  # 承辦機關
    reporting_agency: str | None = Field(None, max_length=100)  # 受話人員機關 (通報機關)
    replied_at: datetime | None = None  # the handling agency's reply; none = never
    survey_at: datetime | None = None  # the reporting agency's follow-up survey; none = never
    score: int | None = Field(None, ge=1, le=5)
    note: str | None = Field(None, max_length=2000)

    @field_validator("called_at", "replied_at", "survey_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time with its offset, e.g. 2023-10-05T10:00:00+08:00")
        return value


SpotCheck = row_model("SpotCheck", spot_checks, doc="A spot check (抽測, 表3); times are epoch seconds.")


@router.post("", status_code=201, response_model=SpotCheck, **UNSET)
async def record(body: SpotCheckIn, services: ServicesDep, user: CurrentSupervisor) -> dict[str, Any]:
    def stamp(value: datetime | None) -> float | None:
        return value.timestamp() if value else None

    row = {"tester": body.tester, "called_at": body.called_at.timestamp(), "agency": body.agency,
           "reporting_agency": body.reporting_agency or None, "replied_at": stamp(body.replied_at),
           "survey_at": stamp(body.survey_at), "score": body.score, "note": body.note,
           "recorded_by": user["username"], "created_at": services.clock.now().timestamp()}

    def write(c: Connection) -> dict[str, Any]:
        row["id"] = c.execute(insert(spot_checks).values(row).returning(spot_checks.c.id)).scalar_one()
        return row

    return await services.db.write(write)


@router.get("", response_model=list[SpotCheck], **UNSET)  # type: ignore[valid-type]
async def listed(services: ServicesDep, user: CurrentSupervisor,
                 month: str = Query(..., pattern=r"^\d{4}-\d{2}$")) -> list[dict[str, Any]]:
    span = period("month", month)  # a ReportError (422) says the expected form
    return await services.db.read(lambda c: [dict(r._mapping) for r in c.execute(
        select(spot_checks).where(spot_checks.c.called_at >= span.start, spot_checks.c.called_at < span.end)
        .order_by(spot_checks.c.called_at))])
