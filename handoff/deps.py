"""``Annotated`` dependency aliases the routers share."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from handoff.access import current_staff
from handoff.hub import Hub
from handoff.nlu_service import NLUService
from handoff.services import Services, ServicesDep, services_of
from handoff.settings import Settings


def _nlu(services: ServicesDep) -> NLUService:
    return services.nlu


def _settings(services: ServicesDep) -> Settings:
    return services.settings


def _hub(services: ServicesDep) -> Hub:
    return services.hub


async def _staff(request: Request, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    """The logged-in, enabled staff user (token expiry on the app's clock); citizen conversation
    tokens are not staff tokens and are refused. The policy itself is handoff/access.py."""
    return await current_staff(request)


async def _engineer(user: Annotated[dict[str, Any], Depends(_staff)]) -> dict[str, Any]:
    if user["role"] not in ("engineer", "supervisor"):
        raise HTTPException(403, "semantic engineers and supervisors only")
    return user


async def _supervisor(user: Annotated[dict[str, Any], Depends(_staff)]) -> dict[str, Any]:
    if user["role"] != "supervisor":
        raise HTTPException(403, "supervisors only")
    return user


async def _agency_or_supervisor(request: Request, user: Annotated[dict[str, Any], Depends(_staff)]) -> dict[str, Any]:
    """A supervisor, or an agency user with ``agency`` set to the agency they act for."""
    if user["role"] == "supervisor":
        return {**user, "agency": None}
    if user["role"] != "agency":
        raise HTTPException(403, "agency users and supervisors only")
    agency = await services_of(request).hub.store.agency_of(user["username"])
    if not agency:
        raise HTTPException(403, "this agency account has no agency assigned")
    return {**user, "agency": agency}


__all__ = ["CurrentAgencyOrSupervisor", "CurrentEngineer", "CurrentStaff", "CurrentSupervisor", "HubDep", "NLUDep",
           "Services", "ServicesDep", "SettingsDep"]
NLUDep = Annotated[NLUService, Depends(_nlu)]
SettingsDep = Annotated[Settings, Depends(_settings)]
HubDep = Annotated[Hub, Depends(_hub)]
CurrentStaff = Annotated[dict[str, Any], Depends(_staff)]
CurrentEngineer = Annotated[dict[str, Any], Depends(_engineer)]
CurrentSupervisor = Annotated[dict[str, Any], Depends(_supervisor)]
CurrentAgencyOrSupervisor = Annotated[dict[str, Any], Depends(_agency_or_supervisor)]
