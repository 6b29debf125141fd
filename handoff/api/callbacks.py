"""Callbacks as work (issue 13): list by due time, claim, record attempts, close, re-open.

A case is raised from a callback with the cases API (``POST /api/cases`` with ``callback_id``)."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from handoff import access
from handoff.api.bodies import UNSET
from handoff.api.views import CallbackRow
from handoff.callback_work import CallbackWork
from handoff.deps import CurrentStaff
from handoff.services import services_of

router = APIRouter(prefix="/api/callbacks", tags=["callbacks"])
for _method, _path in (("GET", ""), ("POST", "/{callback_id}/claim"), ("POST", "/{callback_id}/attempts"),
                       ("POST", "/{callback_id}/close"), ("POST", "/{callback_id}/reopen")):
    access.register(_method, "/api/callbacks" + _path, access.AGENT, access.SUPERVISOR)
T = TypeVar("T")


def _work(request: Request) -> CallbackWork:
    return CallbackWork(services_of(request).db)


WorkDep = Annotated[CallbackWork, Depends(_work)]


async def _run(request: Request, call: Awaitable[T]) -> T:
    result = await call  # a CallbackError answers through the one handler (handoff/errors.py)
    await services_of(request).hub.relay.floor_changed()  # open callbacks on the wallboard
    return result


class AttemptIn(BaseModel):
    outcome: Literal["reached", "no_answer", "wrong_number"]
    note: str | None = Field(None, max_length=1000)


@router.get("", response_model=list[CallbackRow], **UNSET)
async def list_callbacks(work: WorkDep, user: CurrentStaff,
                         status: Annotated[str | None, Query(max_length=16)] = None) -> list[dict[str, Any]]:
    return await work.list(status)


@router.post("/{callback_id}/claim", response_model=CallbackRow, **UNSET)
async def claim(callback_id: int, request: Request, work: WorkDep, user: CurrentStaff) -> dict[str, Any]:
    return await _run(request, work.claim(callback_id, user["username"]))


@router.post("/{callback_id}/attempts", response_model=CallbackRow, **UNSET)
async def attempt(callback_id: int, body: AttemptIn, request: Request, work: WorkDep,
                  user: CurrentStaff) -> dict[str, Any]:
    return await _run(request, work.attempt(callback_id, user["username"], user["role"], body.outcome, body.note))


@router.post("/{callback_id}/close", response_model=CallbackRow, **UNSET)
async def close(callback_id: int, request: Request, work: WorkDep, user: CurrentStaff) -> dict[str, Any]:
    return await _run(request, work.close(callback_id, user["username"], user["role"]))


@router.post("/{callback_id}/reopen", response_model=CallbackRow, **UNSET)
async def reopen(callback_id: int, request: Request, work: WorkDep, user: CurrentStaff) -> dict[str, Any]:
    return await _run(request, work.reopen(callback_id, user["username"]))
