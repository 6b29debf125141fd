"""Control events every server process acts on, carried by the broker (one process in memory,
all of them through Redis): a model deploy or rollback swaps the model everywhere at once, instead
of at each process's next poll of ``models/DEPLOYED``; an approved KB change reloads the KB."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import FastAPI

from handoff.kb_live import reload_kb

log = logging.getLogger(__name__)
CONTROL_CHANNEL = "control"


async def announce(app: FastAPI, event: dict[str, Any]) -> None:
    """Tell every server process (this one included) about ``event``."""
    await app.state.hub.broker.publish(CONTROL_CHANNEL, event)


async def control_watch(app: FastAPI) -> None:
    """Act on control events for the server's lifetime."""
    async with app.state.hub.broker.subscribe(CONTROL_CHANNEL) as inbox:
        while True:
            event = await inbox.get()
            try:
                if event.get("type") == "deployed" and event.get("version") != app.state.nlu.version:
                    await app.state.nlu.reload()
                elif event.get("type") == "kb_changed" and event.get("revision") != getattr(app.state, "kb_version", 0):
                    # the approving process has already reloaded: its kb_version is the new revision
                    await asyncio.get_running_loop().run_in_executor(None, reload_kb, app)
            except Exception:
                log.exception("control event %s failed", event)
