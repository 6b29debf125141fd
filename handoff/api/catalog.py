"""``GET /api/catalog``: the wrap-up categories and the active agencies, for every staff page."""
from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from handoff.catalog import WRAPUP_CATEGORIES
from handoff.cases.wiring import service_for

router = APIRouter(prefix="/api", tags=["catalog"])


class Catalog(BaseModel):
    categories: list[str]
    agencies: list[str]


@router.get("/catalog", response_model=Catalog)
async def catalog(request: Request) -> Catalog:
    agencies = await service_for(request.app).known_agencies()
    return Catalog(categories=list(WRAPUP_CATEGORIES), agencies=agencies)
