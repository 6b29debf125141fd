"""(issue 6) router stub."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["issue6"])
