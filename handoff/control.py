"""Control events every server process acts on, carried by the broker (one process in memory,
all of them through Redis): a model deploy or rollback swaps the model everywhere at once and an
approved KB change reloads the KB. The CLI (``hotline deploy``/``rollback``) announces on the
same broker when one is shared (Redis, ``announce_from_cli``). The pollers
(``NLUService.watch_deployments``, ``watch_kb``) stay as the resync for events missed while the
broker was unreachable, and carry the CLI's changes in the embedded set-up, where the broker is
in-process and the CLI cannot reach it."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from handoff.broker import Broker, redis_message

if TYPE_CHECKING:
    from handoff.services import Services

log = logging.getLogger(__name__)
CONTROL_CHANNEL = "control"


async def announce(broker: Broker, event: dict[str, Any]) -> None:
    """Tell every server process (this one included) about ``event``."""
    await broker.publish(CONTROL_CHANNEL, event)


def announce_from_cli(settings: Any, event: dict[str, Any]) -> bool:
    """Publish ``event`` on the shared broker (Redis) from a short-lived CLI process, so running
    servers act at once rather than at their next poll. False (nothing sent) when the broker is
    in-process or unreachable: the pollers then carry the change within seconds."""
    if not getattr(settings, "redis_url", ""):
        return False
    from redis.asyncio import Redis

    async def publish() -> None:
        client = Redis.from_url(settings.redis_url, socket_connect_timeout=2.0, socket_timeout=2.0)
        try:
            await client.publish(*redis_message(settings.redis_prefix, CONTROL_CHANNEL, event))
        finally:
            await client.aclose()

    try:
        asyncio.run(publish())
    except Exception as exc:  # noqa: BLE001 the change is made; only the shortcut failed
        log.warning("control event %s not announced (%s); servers pick it up by polling", event, exc)
        return False
    return True


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
