"""The FastAPI app: a thin shell that wires settings, storage, the NLU, the hub and the routers."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import yaml
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from bot.dialogue import HotlinePolicy
from bot.hours import StaffedHours, set_default_clock
from bot.intents import CONVERSATION_INTENTS
from handoff.api import (agent_ws, auth, cases, chat_ws, engineer, health, kb_admin, nlu, pages, reports, rest_channel,
                         staff)
from handoff.api import agencies as agencies_api
from handoff.api import case_status, spot_checks
from handoff.api import callbacks as callbacks_api
from handoff.api import records as records_api
from handoff.api import wallboard as wallboard_api
from handoff.api import catalog as catalog_api
from handoff import rest_callbacks
from handoff import access, security
from handoff.backends import make_backends
from handoff.cases.watch import case_watch
from handoff.control import control_watch
from handoff.endpoints import load_endpoints
from handoff import stateless
from handoff.kb_live import watch_kb
from handoff.retention import retention_watch
from handoff.hub import Hub, HubConfig
from handoff.nlu_service import NLUService
from handoff.settings import Settings, get_settings
from handoff.storage.clock_anchor import shared_clock
from handoff.storage.database import Database
from handoff.storage.misslog import MissLog
from handoff.storage.store import SQLConversationStore
from kb_sync.search import KBSearch
from kb_sync.store import KnowledgeBase

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent.parent / "web_widget"


def _policy_config(config_path: Path) -> tuple[dict, dict]:
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    policy = next((p for p in raw.get("policies", []) if p.get("name") == "HotlinePolicy"), {})
    return policy, raw.get("staffed_hours", {})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        policy_raw, hours_raw = _policy_config(settings.path(settings.config_path))
        hours = StaffedHours.from_config(hours_raw)
        endpoints = load_endpoints(settings)
        db = Database(endpoints.database_url)
        stateless.attach(settings, db.engine)  # HOTLINE_MODEL_STORE=database: models fetched from the database
        nlu_service = NLUService(settings.path(settings.models_dir))
        await nlu_service.reload()
        kb = KnowledgeBase(db)  # the KB lives in the conversation database (no local file)
        kb_entries = {e["id"]: e for e in kb.entries()}
        backends = make_backends(endpoints.redis_url, settings.redis_prefix)
        clock = shared_clock(db, settings.clock)  # HOTLINE_CLOCK, anchored in the database for every process
        set_default_clock(clock)  # issue 12: one clock for hours, token expiry and timestamps
        app.state.clock = clock
        hub = Hub(store=SQLConversationStore(db), broker=backends.broker, queue=backends.queue,
                  presence=backends.presence, nlu=nlu_service,
                  policy=HotlinePolicy.from_config(policy_raw, kb_entries.get, hours.describe()), hours=hours,
                  clock=clock,
                  config=HubConfig(agent_grace_seconds=settings.agent_grace_seconds,
                                   citizen_grace_seconds=settings.citizen_grace_seconds,
                                   wrapup_seconds=settings.wrapup_seconds),
                  misslog=MissLog(db))
        hub.kb_draft = lambda question, category, answer: kb.add_draft(question, category, answer=answer)
        await hub.start()
        app.state.nlu, app.state.hub = nlu_service, hub
        app.state.kb_search = KBSearch(list(kb_entries.values()))
        app.state.kb = kb
        app.state.kb_entries = kb_entries  # approved entries by id; KB upkeep updates it in place
        app.state.train_lock = asyncio.Lock()
        app.state.known_intents = lambda: [*(e["id"] for e in kb.entries()), *CONVERSATION_INTENTS]  # read live
        watchers = [asyncio.create_task(control_watch(app)), asyncio.create_task(nlu_service.watch_deployments()),
                    asyncio.create_task(case_watch(app)), asyncio.create_task(watch_kb(app)),
                    asyncio.create_task(retention_watch(app)), asyncio.create_task(rest_callbacks.watch(app))]
        yield
        for watcher in watchers:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await hub.close()
        await backends.close()
        nlu_service.close()
        db.close()

    # issue 12: every route passes the one access policy (handoff/access.py) first
    app = FastAPI(title="hotline", version="0.1.0", lifespan=lifespan, dependencies=[Depends(access.enforce)])
    app.add_middleware(security.JSONBodyGuard)
    app.add_middleware(security.SecurityHeaders)
    security.patch_openapi(app)
    app.state.settings = settings
    for module in (health, nlu, auth, staff, engineer, cases, kb_admin, reports, rest_channel, chat_ws, agent_ws,
                   pages):
        app.include_router(module.router)
    for module in (agencies_api, case_status, rest_callbacks, spot_checks):  # issue 15: agencies, case status, …
        app.include_router(module.router)
    for module in (callbacks_api, records_api, wallboard_api, catalog_api):  # issue 13: the contact-centre floor
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static", check_dir=False), name="static")
    return app
