"""Records (issue 13): search the 表1 records, open one with its transcript, export CSV/XLSX.

Agents get the chats they handled; supervisors all. Opening a record follows the access policy's
row rule for conversations (404 for one an agent never handled)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from handoff import access
from handoff.api.bodies import UNSET
from handoff.api.views import RecordDetail, RecordRow
from handoff.deps import CurrentStaff
from handoff.records import RecordQuery, Records, to_csv, to_xlsx
from handoff.services import services_of

router = APIRouter(prefix="/api/records", tags=["records"])
for _path in ("", "/export", "/{conversation_id}"):
    access.register("GET", "/api/records" + _path, access.AGENT, access.SUPERVISOR,
                    note="agents: the chats they handled")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(date_from: Annotated[date | None, Query()] = None, date_to: Annotated[date | None, Query()] = None,
           number: Annotated[str | None, Query(max_length=20)] = None,
           agent: Annotated[str | None, Query(max_length=64)] = None,
           category: Annotated[str | None, Query(max_length=100)] = None,
           text: Annotated[str | None, Query(max_length=200)] = None) -> RecordQuery:
    return RecordQuery(date_from, date_to, number or None, agent or None, category or None, text or None)


QueryDep = Annotated[RecordQuery, Depends(_query)]


def _records(request: Request) -> Records:
    return Records(services_of(request).db)


@router.get("", response_model=list[RecordRow], **UNSET)
async def search(query: QueryDep, request: Request, user: CurrentStaff) -> list[dict[str, Any]]:
    return await _records(request).search(query, user)


@router.get("/export")
async def export(query: QueryDep, request: Request, user: CurrentStaff,
                 format: Literal["csv", "xlsx"] = "csv") -> Response:
    rows = await _records(request).search(query, user)
    name = f"records-{date.today():%Y%m%d}.{format}"
    body, media = (to_csv(rows), "text/csv; charset=utf-8") if format == "csv" else (to_xlsx(rows), XLSX)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{conversation_id}", response_model=RecordDetail, **UNSET)
async def detail(conversation_id: str, request: Request, user: CurrentStaff) -> dict[str, Any]:
    if len(conversation_id) > 40:
        raise HTTPException(404, "unknown conversation")
    await access.conversation_access(services_of(request).db, user, conversation_id)
    found = await _records(request).detail(conversation_id)
    if found is None:
        raise HTTPException(404, "unknown conversation")
    return found
