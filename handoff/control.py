"""Control events every server process acts on, carried by the broker (one process in memory,
all of them through Redis): a model deploy or rollback swaps the model everywhere at once and an
approved KB change reloads the KB. The pollers (``NLUService.watch_deployments``, ``watch_kb``)
stay as the resync for events missed while the broker was unreachable, and for changes made by
the CLI, which has no broker connection."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from handoff.broker import Broker

if TYPE_CHECKING:
    from handoff.services import Services

log = logging.getLogger(__name__)
CONTROL_CHANNEL = "control"


async def announce(broker: Broker, event: dict[str, Any]) -> None:
    """Tell every server process (this one included) about ``event``."""
    await broker.publish(CONTROL_CHANNEL, event)


async def control_watch(services: Services) -> None:
    """Act on control events for the server's lifetime."""
    async with services.backends.broker.subscribe(CONTROL_CHANNEL) as inbox:
        while True:
            event = await inbox.get()
            try:
                if event.get("type") == "deployed" and event.get("version") != services.nlu.version:
                    await services.nlu.reload()
                elif event.get("type") == "kb_changed" and event.get("revision") != services.live_kb.version:
                    # the approving process has already reloaded: its version is the new revision
                    await asyncio.get_running_loop().run_in_executor(None, services.live_kb.reload)
            except Exception:
                log.exception("control event %s failed", event)
