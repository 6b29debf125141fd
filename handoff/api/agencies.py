"""Agencies as data (``agencies`` table): every staff user reads the list; supervisors add and edit
(contact person, e-mail, extension, active). The contact e-mail receives the case's escalation;
財政部國庫署's receives the closing notices (``handoff/cases/agencies_table.py``)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from handoff import access
from handoff.api.bodies import UNSET, row_model
from handoff.deps import CurrentStaff, CurrentSupervisor, ServicesDep
from handoff.storage.schema import agencies

router = APIRouter(prefix="/api/agencies", tags=["agencies"])
access.register("GET", "/api/agencies", access.AGENT, access.SUPERVISOR, access.AGENCY)
access.register("POST", "/api/agencies", access.SUPERVISOR)
access.register("PATCH", "/api/agencies/{name}", access.SUPERVISOR)


class AgencyEdit(BaseModel):
    contact_person: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=200)
    extension: str | None = Field(None, max_length=40)
    active: bool | None = None


class AgencyNew(AgencyEdit):
    name: str = Field(min_length=1, max_length=100)


Agency = row_model("Agency", agencies, doc="An agency a case can go to, with its designated contact (承辦窗口).")


@router.get("", response_model=list[Agency], **UNSET)  # type: ignore[valid-type]
async def list_agencies(services: ServicesDep, user: CurrentStaff) -> list[dict[str, Any]]:
    return await services.cases.book.list()


@router.post("", status_code=201, response_model=Agency, **UNSET)
async def add_agency(services: ServicesDep, body: AgencyNew, user: CurrentSupervisor) -> dict[str, Any]:
    return await services.cases.book.create(user["username"], body.name,
                                            body.model_dump(exclude={"name"}, exclude_unset=True))


@router.patch("/{name}", response_model=Agency, **UNSET)
async def edit_agency(services: ServicesDep, name: str, body: AgencyEdit, user: CurrentSupervisor) -> dict[str, Any]:
    return await services.cases.book.update(user["username"], name, body.model_dump(exclude_unset=True))
