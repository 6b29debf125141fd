"""Background work of the cases package, started by the app's lifespan."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handoff.services import Services

log = logging.getLogger(__name__)


async def case_watch(services: Services) -> None:
    """Runs for the server's lifetime: every ``HOTLINE_CASE_SWEEP_SECONDS`` the deadline sweep
    (reminders and escalation). 0 or less turns it off (then run ``hotline cases sweep`` from cron)."""
    every = services.settings.case_sweep_seconds
    if every <= 0:
        return
    while True:
        await asyncio.sleep(every)
        try:
            if not await services.backends.presence.lead("case-sweep", every * 3):
                continue  # another server process holds the lease and sweeps
            totals = await services.cases.sweep()
        except Exception:  # a bad sweep must not end the watcher; the next one retries
            log.exception("case deadline sweep failed")
            continue
        if totals["reminders"] or totals["overdue"] or totals["escalations"]:
            log.info("case sweep: %s", totals)
