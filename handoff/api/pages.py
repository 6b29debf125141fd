"""The HTML pages: the demo page with the citizen widget at ``/`` and the six staff pages.

The staff pages are Jinja2 templates extending ``web_widget/_staff.html`` (one login form, header
and toast for all of them); the demo page is plain HTML.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, TemplateNotFound, select_autoescape

router = APIRouter(tags=["pages"])
PAGES = Path(__file__).resolve().parent.parent.parent / "web_widget"
_templates = Environment(loader=FileSystemLoader(PAGES), autoescape=select_autoescape(["html"]),
                         auto_reload=True, keep_trailing_newline=True)
STAFF_PAGES = {"/agent": "agent.html", "/engineer": "engineer.html", "/supervisor": "supervisor.html",
               "/agency": "agency.html", "/callbacks": "callbacks.html", "/records": "records.html"}


def render(name: str) -> str:
    """A staff page's HTML (also used by tests that read the pages as a browser gets them)."""
    try:
        return _templates.get_template(name).render()
    except TemplateNotFound:
        raise HTTPException(404, f"{name} is not built") from None


def _page(name: str) -> FileResponse:
    """A plain HTML page (no template): the demo page, the public case-status page."""
    path = PAGES / name
    if not path.is_file():
        raise HTTPException(404, f"{name} is not built")
    return FileResponse(path, media_type="text/html; charset=utf-8")


@router.get("/", include_in_schema=False)
async def demo() -> FileResponse:
    return _page("index.html")


def _staff_route(path: str, name: str) -> None:
    async def page() -> HTMLResponse:
        return HTMLResponse(render(name))

    page.__name__ = f"{name.removesuffix('.html')}_page"
    router.add_api_route(path, page, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)


for _path, _name in STAFF_PAGES.items():
    _staff_route(_path, _name)
