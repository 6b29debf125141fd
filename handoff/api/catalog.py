"""``GET /api/catalog``: the wrap-up categories and the active agencies, for every staff page."""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from handoff.catalog import WRAPUP_CATEGORIES
from handoff.deps import ServicesDep

router = APIRouter(prefix="/api", tags=["catalog"])


class Catalog(BaseModel):
    categories: list[str]
    agencies: list[str]


@router.get("/catalog", response_model=Catalog)
async def catalog(services: ServicesDep) -> Catalog:
    agencies = await services.cases.known_agencies()
    return Catalog(categories=list(WRAPUP_CATEGORIES), agencies=agencies)
