"""The server's one exception handler: any ``HotlineError`` (the tree is drawn in ``bot/errors.py``)
becomes ``{"detail": …, "code": …}`` with the error's HTTP status and an ``X-Error-Code`` header.

Routers raise domain errors and never translate them by hand; ``ErrorBody`` documents the body in
the OpenAPI document.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.errors import HotlineError


class ErrorBody(BaseModel):
    """What every refused request answers (``detail`` is a sentence, or an object for a refused deploy)."""

    detail: Any
    code: str


async def hotline_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HotlineError)
    return JSONResponse({"detail": exc.detail, "code": exc.code}, status_code=exc.status,
                        headers={"X-Error-Code": exc.code})


def install(app: FastAPI) -> None:
    """Register the handler on ``app`` (handoff/app.py)."""
    app.add_exception_handler(HotlineError, hotline_error)
