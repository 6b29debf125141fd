"""The HTML pages: the demo page with the citizen widget at ``/`` and the agent console."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

router = APIRouter(tags=["pages"])
PAGES = Path(__file__).resolve().parent.parent.parent / "web_widget"


def _page(name: str) -> FileResponse:
    path = PAGES / name
    if not path.is_file():
        raise HTTPException(404, f"{name} is not built")
    return FileResponse(path, media_type="text/html; charset=utf-8")


@router.get("/", include_in_schema=False)
async def demo() -> FileResponse:
    return _page("index.html")


@router.get("/agent", include_in_schema=False)
async def agent_console() -> FileResponse:
    return _page("agent.html")


@router.get("/engineer", include_in_schema=False)
async def engineer_page() -> FileResponse:
    return _page("engineer.html")


@router.get("/supervisor", include_in_schema=False)
async def supervisor_page() -> FileResponse:
    return _page("supervisor.html")


@router.get("/agency", include_in_schema=False)
async def agency_page() -> FileResponse:
    return _page("agency.html")


@router.get("/callbacks", include_in_schema=False)
async def callbacks_page() -> FileResponse:
    return _page("callbacks.html")


@router.get("/records", include_in_schema=False)
async def records_page() -> FileResponse:
    return _page("records.html")
