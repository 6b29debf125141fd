"""The FastAPI app: a thin shell that wires settings, storage, the NLU, the hub and the routers."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from handoff import access, errors, gc_tuning, security
from handoff.api import agencies as agencies_api
from handoff.api import (
    agent_ws,
    auth,
    case_status,
    cases,
    chat_ws,
    health,
    kb_admin,
    nlu,
    pages,
    reports,
    rest_callbacks,
    rest_channel,
    spot_checks,
    staff,
)
from handoff.api import callbacks as callbacks_api
from handoff.api import catalog as catalog_api
from handoff.api import records as records_api
from handoff.api import wallboard as wallboard_api
from handoff.engineering import api as engineer
from handoff.services import background_tasks, close_services, open_services
from handoff.settings import Settings, get_settings

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent.parent / "web_widget"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await open_services(settings)
        app.state.services = services  # the only thing on app.state: routers read it through ServicesDep
        watchers = [asyncio.create_task(loop) for loop in background_tasks(services)]
        gc_tuning.after_startup()  # the model and KB out of the collector's way (10,000 chats: README)
        yield
        for watcher in watchers:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await close_services(services)

    # issue 12: every route passes the one access policy (handoff/access.py) first
    app = FastAPI(title="hotline", version="0.1.0", lifespan=lifespan, dependencies=[Depends(access.enforce)])
    app.add_middleware(security.JSONBodyGuard)
    app.add_middleware(security.SecurityHeaders)
    errors.install(app)  # one handler: any HotlineError → {detail, code}, its status, X-Error-Code
    security.patch_openapi(app)
    for module in (health, nlu, auth, staff, engineer, cases, kb_admin, reports, rest_channel, chat_ws, agent_ws,
                   pages):
        app.include_router(module.router)
    for module in (agencies_api, case_status, rest_callbacks, spot_checks):  # issue 15: agencies, case status, …
        app.include_router(module.router)
    for module in (callbacks_api, records_api, wallboard_api, catalog_api):  # issue 13: the contact-centre floor
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static", check_dir=False), name="static")
    return app
