"""The server's one exception handler: any ``HotlineError`` (the tree is drawn in ``bot/errors.py``)
becomes ``{"detail": …, "code": …}`` with the error's HTTP status and an ``X-Error-Code`` header.

Routers raise domain errors and never translate them by hand.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.errors import HotlineError


async def hotline_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HotlineError)
    return JSONResponse({"detail": exc.detail, "code": exc.code}, status_code=exc.status,
                        headers={"X-Error-Code": exc.code})


def install(app: FastAPI) -> None:
    """Register the handler on ``app`` (handoff/app.py)."""
    app.add_exception_handler(HotlineError, hotline_error)
