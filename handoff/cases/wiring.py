"""The one CaseService of a running app, built on first use from what the lifespan set up."""
from __future__ import annotations

from typing import Any

from handoff.cases.followup import CitizenNotifier, sms_sender_from
from handoff.cases.notify import MailConfig, Notifier
from handoff.cases.service import CaseService


def service_for(app: Any) -> CaseService:
    """``app.state.case_service``, created from the hub's database and clock (so ``HOTLINE_CLOCK``
    moves case times too), the KB, the SMTP settings and the SMS sender."""
    service = getattr(app.state, "case_service", None)
    if service is None:
        hub, settings = app.state.hub, app.state.settings
        mail = MailConfig.from_settings(settings)
        service = CaseService(hub.store.db, Notifier(hub.store.db, mail),
                              kb=getattr(app.state, "kb", None), kb_entries=lambda: app.state.kb_entries,
                              now=lambda: hub.clock.now().timestamp(),
                              citizens=CitizenNotifier(hub.store.db, mail, sms_sender_from(settings.sms_sender)))
        app.state.case_service = service
    return service
