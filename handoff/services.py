"""The composition root: every long-lived object of one server process, built once by the app's
lifespan (``open_services``) and handed to routers through ``ServicesDep`` and to background tasks
as an argument. Domain code never receives the FastAPI app and never reaches through another
service's fields for a third one: what it needs is a field here.
"""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import Depends
from starlette.requests import HTTPConnection

from bot.dialogue import HotlinePolicy
from bot.hours import Clock, StaffedHours, set_default_clock
from bot.intents import CONVERSATION_INTENTS
from handoff import stateless
from handoff.backends import Backends, make_backends
from handoff.cases.followup import CitizenNotifier, sms_sender_from
from handoff.cases.notify import MailConfig, Notifier
from handoff.cases.service import CaseService
from handoff.chat.config import HubConfig
from handoff.endpoints import load_endpoints
from handoff.engineering.misslog import MissLog
from handoff.hub import Hub
from handoff.kb_live import LiveKB
from handoff.nlu_service import NLUService
from handoff.security import LoginThrottle, WindowLimiter
from handoff.settings import Settings
from handoff.storage.clock_anchor import shared_clock
from handoff.storage.database import Database
from handoff.storage.login_failures import SQLLoginFailures
from handoff.storage.store import SQLConversationStore
from kb_sync.store import KnowledgeBase


@dataclass(eq=False)
class Services:
    settings: Settings
    clock: Clock
    db: Database
    backends: Backends
    nlu: NLUService
    live_kb: LiveKB
    hub: Hub
    misslog: MissLog
    cases: CaseService
    login_throttle: LoginThrottle
    status_limiter: WindowLimiter = field(default_factory=WindowLimiter)
    train_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def kb(self) -> KnowledgeBase:
        return self.live_kb.kb

    def known_intents(self) -> list[str]:
        """Every label a miss may get: the KB's ids (read live) and the conversation intents."""
        return [*(e["id"] for e in self.kb.entries()), *CONVERSATION_INTENTS]


def _policy_config(config_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    policy: dict[str, Any] = next((p for p in raw.get("policies", []) if p.get("name") == "HotlinePolicy"), {})
    return policy, raw.get("staffed_hours", {})


async def open_services(settings: Settings) -> Services:
    """Connect storage, backends and the NLU, and start the hub."""
    policy_raw, hours_raw = _policy_config(settings.path(settings.config_path))
    hours = StaffedHours.from_config(hours_raw)
    endpoints = load_endpoints(settings)
    db = Database(endpoints.database_url)
    stateless.attach(settings, db.engine)  # HOTLINE_MODEL_STORE=database: models fetched from the database
    nlu = NLUService(settings.path(settings.models_dir))
    await nlu.reload()
    live_kb = LiveKB(KnowledgeBase(db))  # the KB lives in the conversation database (no local file)
    backends = make_backends(endpoints.redis_url, settings.redis_prefix)
    clock = shared_clock(db, settings.clock)  # HOTLINE_CLOCK, anchored in the database for every process
    set_default_clock(clock)  # issue 12: one clock for hours, token expiry and timestamps
    misslog = MissLog(db)
    hub = Hub(store=SQLConversationStore(db), broker=backends.broker, queue=backends.queue,
              presence=backends.presence, nlu=nlu,
              policy=HotlinePolicy.from_config(policy_raw, live_kb.entries.get, hours.describe()), hours=hours,
              clock=clock,
              config=HubConfig(agent_grace_seconds=settings.agent_grace_seconds,
                               citizen_grace_seconds=settings.citizen_grace_seconds,
                               wrapup_seconds=settings.wrapup_seconds),
              misslog=misslog,
              kb_draft=lambda question, category, answer: live_kb.kb.add_draft(question, category, answer=answer))
    await hub.start()
    mail = MailConfig.from_settings(settings)
    cases = CaseService(db, Notifier(db, mail), kb=live_kb.kb, kb_entries=lambda: live_kb.entries,
                        now=lambda: clock.now().timestamp(),
                        citizens=CitizenNotifier(db, mail, sms_sender_from(settings.sms_sender)))
    return Services(settings=settings, clock=clock, db=db, backends=backends, nlu=nlu, live_kb=live_kb, hub=hub,
                    misslog=misslog,
                    cases=cases, login_throttle=LoginThrottle(clock=clock, store=SQLLoginFailures(db)))


def background_tasks(services: Services) -> list[Coroutine[Any, Any, None]]:
    """The loops a server runs for its lifetime (each logs and retries its own failures)."""
    from handoff import rest_callbacks
    from handoff.cases.watch import case_watch
    from handoff.control import control_watch
    from handoff.kb_live import watch_kb
    from handoff.retention import retention_watch

    return [control_watch(services), services.nlu.watch_deployments(), case_watch(services), watch_kb(services),
            retention_watch(services), rest_callbacks.watch(services)]


async def close_services(services: Services) -> None:
    await services.hub.close()
    await services.backends.close()
    services.nlu.close()
    services.db.close()


def services_of(connection: HTTPConnection) -> Services:
    """The running app's services (requests and websockets alike)."""
    return connection.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(services_of)]
