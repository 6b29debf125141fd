"""Cases escalated to agencies (後送案件): REST for agents, supervisors and agency users.

Another agency's case answers 404, as if it did not exist; an agent sees only the cases they
recorded. Refusals are ``CaseError``s: ``{"detail": sentence, "code": stable code}`` and the header
``X-Error-Code`` (handoff/errors.py).
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from handoff import access
from handoff.api.bodies import UNSET, Body, row_model
from handoff.cases.lifecycle import STATUSES, CaseError
from handoff.cases.service import Actor, CaseService
from handoff.deps import CurrentStaff, CurrentSupervisor, ServicesDep
from handoff.storage.schema import case_events, case_surveys, cases, notifications

router = APIRouter(prefix="/api", tags=["cases"])
access.register("POST", "/api/cases/{case_id}/survey", access.AGENT, access.SUPERVISOR)


async def _actor(services: ServicesDep, user: CurrentStaff) -> Actor:
    if user["role"] == "agency":
        agency = await services.hub.store.agency_of(user["username"])
        if not agency:
            raise CaseError("no_agency", "this agency account has no agency assigned (hotline user add … --agency)", 403)
        return Actor(user["username"], "agency", agency)
    if user["role"] not in ("agent", "supervisor"):
        raise CaseError("forbidden", "cases are for agents, supervisors and agency users", 403)
    return Actor(user["username"], user["role"])


def _service(services: ServicesDep) -> CaseService:
    return services.cases


ActorDep = Annotated[Actor, Depends(_actor)]
ServiceDep = Annotated[CaseService, Depends(_service)]


class CaseIn(BaseModel):
    conversation_id: str | None = Field(None, max_length=40)
    callback_id: int | None = None
    citizen_name: str = Field(min_length=1, max_length=100)
    citizen_contact: str = Field(min_length=1, max_length=100)
    consent: bool
    summary: str = Field(min_length=1, max_length=2000)
    category: str | None = Field(None, max_length=100)
    agency: str | None = Field(None, max_length=100)
    urgency: Literal["normal", "urgent"] = "normal"
    notify_channel: Literal["email", "sms", "none"] | None = None  # none given: guessed from citizen_contact
    citizen_email: str | None = Field(None, max_length=200)
    citizen_phone: str | None = Field(None, max_length=40)
    reporting_agency: str | None = Field(None, max_length=100)  # 通報機關, when another agency took the call


class SurveyIn(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)


class CaseEdit(BaseModel):
    citizen_name: str | None = Field(None, min_length=1, max_length=100)
    citizen_contact: str | None = Field(None, min_length=1, max_length=100)
    summary: str | None = Field(None, min_length=1, max_length=2000)
    category: str | None = Field(None, max_length=100)
    agency: str | None = Field(None, min_length=1, max_length=100)
    urgency: Literal["normal", "urgent"] | None = None


class DispatchIn(BaseModel):
    agency: str | None = Field(None, max_length=100)


class ReturnIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class CloseIn(BaseModel):
    general_answer: bool = False
    faq_question: str | None = Field(None, max_length=500)


class ReadIn(BaseModel):
    ids: list[int] = Field(default_factory=list, max_length=1000)


# ---- response bodies ---------------------------------------------------------------------------
class Deadline(Body):
    name: str
    label: str
    due_at: float | None
    state: str


class CaseBody(row_model("CaseRow", cases)):  # type: ignore[misc]
    """A case as staff see it: its row, its deadline badges and, while dispatched, the acceptance deadline."""

    deadlines: list[Deadline]
    accept_due_at: float | None


CaseEvent = row_model("CaseEvent", case_events)
CaseSurvey = row_model("CaseSurvey", case_surveys)


class CitizenNotice(Body):
    channel: str
    address_masked: str
    kind: str
    created_at: float
    sent_at: float | None
    error: str | None


class CaseDetail(CaseBody):
    events: list[CaseEvent]  # type: ignore[valid-type]
    notices: list[CitizenNotice] = Field(description="What the citizen was told (addresses masked).")
    survey: CaseSurvey | None  # type: ignore[valid-type]


class Prefill(Body):
    category: str | None
    summary: str | None
    citizen_name: str | None
    citizen_contact: str | None
    agency: str | None
    agencies: list[str]


class SweepTotals(Body):
    checked: int
    reminders: int
    overdue: int
    escalations: int


class SurveySaved(row_model("SurveyRow", case_surveys)):  # type: ignore[misc]
    number: str


class Notification(row_model("NotificationRow", notifications)):  # type: ignore[misc]
    number: str | None


class Marked(Body):
    marked: int


@router.get("/cases", response_model=list[CaseBody], **UNSET)
async def list_cases(actor: ActorDep, service: ServiceDep,
                     status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
                     agency: Annotated[str | None, Query(max_length=100)] = None) -> list[dict[str, Any]]:
    return await service.list(actor, status, agency)


@router.get("/cases/prefill", response_model=Prefill, **UNSET)
async def prefill(actor: ActorDep, service: ServiceDep,
                  conversation_id: Annotated[str | None, Query(max_length=40)] = None,
                  callback_id: int | None = None,
                  category: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    """The case form's starting values: wrap-up category and summary, callback name and phone,
    the suggested agency and the list of agencies."""
    return await service.prefill(actor, conversation_id, callback_id, category)


@router.get("/cases/agencies", response_model=list[str], **UNSET)
async def known_agencies(actor: ActorDep, service: ServiceDep) -> list[str]:
    return await service.known_agencies()


@router.post("/cases/sweep", response_model=SweepTotals, **UNSET)
async def sweep(user: CurrentSupervisor, service: ServiceDep) -> dict[str, int]:
    """Run the deadline sweep now (the server also runs it every HOTLINE_CASE_SWEEP_SECONDS)."""
    return await service.sweep()


@router.post("/cases", status_code=201, response_model=CaseBody, **UNSET)
async def create_case(body: CaseIn, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    return await service.create(actor, **body.model_dump())


@router.get("/cases/{case_id}", response_model=CaseDetail, **UNSET)
async def get_case(case_id: int, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    """The case with its events, what the citizen was told (``notices``) and its ``survey``."""
    case = await service.get(actor, case_id)
    return {**case, **await service.aftercare.details(case_id)}


@router.patch("/cases/{case_id}", response_model=CaseBody, **UNSET)
async def edit_case(case_id: int, body: CaseEdit, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    return await service.edit(actor, case_id, body.model_dump(exclude_unset=True))


@router.post("/cases/{case_id}/approve", response_model=CaseBody, **UNSET)
async def approve(case_id: int, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    return await service.approve(actor, case_id)


@router.post("/cases/{case_id}/dispatch", response_model=CaseBody, **UNSET)
async def dispatch(case_id: int, actor: ActorDep, service: ServiceDep, body: DispatchIn | None = None) -> dict[str, Any]:
    return await service.dispatch(actor, case_id, body.agency if body else None)


@router.post("/cases/{case_id}/redispatch", response_model=CaseBody, **UNSET)
async def redispatch(case_id: int, actor: ActorDep, service: ServiceDep,
                     body: DispatchIn | None = None) -> dict[str, Any]:
    return await service.redispatch(actor, case_id, body.agency if body else None)


@router.post("/cases/{case_id}/accept", response_model=CaseBody, **UNSET)
async def accept(case_id: int, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    return await service.accept(actor, case_id)


@router.post("/cases/{case_id}/return", response_model=CaseBody, **UNSET)
async def return_case(case_id: int, body: ReturnIn, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    return await service.return_(actor, case_id, body.reason)


@router.post("/cases/{case_id}/reply", response_model=CaseBody, **UNSET)
async def reply(case_id: int, body: ReplyIn, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    return await service.reply(actor, case_id, body.text)


@router.post("/cases/{case_id}/close", response_model=CaseBody, **UNSET)
async def close(case_id: int, body: CloseIn, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    return await service.close(actor, case_id, body.general_answer, body.faq_question)


@router.post("/cases/{case_id}/survey", status_code=201, response_model=SurveySaved, **UNSET)
async def survey(case_id: int, body: SurveyIn, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    """A satisfaction survey staff took by phone (表1 滿意度調查); forwarded to the agency."""
    if actor.role not in ("agent", "supervisor"):
        raise CaseError("forbidden", "surveys are recorded by agents and supervisors", 403)
    await service.get(actor, case_id)  # an agent only for cases they recorded
    return await service.aftercare.staff_survey(case_id, body.score, body.comment, actor.username)


@router.get("/notifications", response_model=list[Notification], **UNSET)
async def list_notifications(actor: ActorDep, service: ServiceDep, unread: bool = False,
                             limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    return await service.notifications(actor, unread, limit)


@router.post("/notifications/read", response_model=Marked, **UNSET)
async def mark_read(body: ReadIn, actor: ActorDep, service: ServiceDep) -> dict[str, int]:
    """Mark notifications read: the given ids, or every unread one when ``ids`` is empty."""
    return {"marked": await service.mark_read(actor, body.ids)}
