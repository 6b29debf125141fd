"""Liveness and readiness."""
from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter

from handoff.api.bodies import UNSET
from handoff.api.views import Health
from handoff.deps import NLUDep

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, **UNSET)
async def health(nlu: NLUDep) -> dict[str, Any]:
    return {"status": "ok" if nlu.ready else "loading", "model": nlu.version, "pid": os.getpid()}
