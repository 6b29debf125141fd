"""``Annotated`` dependency aliases the routers share."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from handoff.nlu_service import NLUService
from handoff.settings import Settings


def _nlu(request: Request) -> NLUService:
    return request.app.state.nlu


def _settings(request: Request) -> Settings:
    return request.app.state.settings


NLUDep = Annotated[NLUService, Depends(_nlu)]
SettingsDep = Annotated[Settings, Depends(_settings)]
