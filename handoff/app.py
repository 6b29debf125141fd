"""The FastAPI app: a thin shell that wires settings, the NLU service and the routers."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from handoff.api import health, nlu
from handoff.nlu_service import NLUService
from handoff.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = NLUService(settings.path(settings.models_dir))
        app.state.nlu = service
        await service.reload()
        yield
        service.close()

    app = FastAPI(title="hotline", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    for module in (health, nlu):
        app.include_router(module.router)
    return app
