"""``/ws/wallboard``: the live floor for supervisors, pushed; ``GET /api/wallboard`` for one look.

The socket authenticates like the agent's (``hotline.v1`` + ``bearer.<token>`` subprotocols, never
the URL). A snapshot goes out on connecting, after anything changes on the floor (the hub's
``floor`` channel: queue, agent states, first replies, callbacks), at most every half second, and
every few seconds anyway so the longest wait keeps counting."""
from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from handoff import access
from handoff.api.bodies import UNSET
from handoff.api.views import Wallboard
from handoff.deps import CurrentSupervisor, HubDep
from handoff.hub import Hub
from handoff.services import services_of
from handoff.wallboard import snapshot

router = APIRouter(tags=["wallboard"])
access.register("GET", "/api/wallboard", access.SUPERVISOR)
REFRESH_SECONDS = 3.0
MIN_GAP_SECONDS = 0.5


@router.get("/api/wallboard", response_model=Wallboard, **UNSET)
async def wallboard(user: CurrentSupervisor, hub: HubDep) -> dict[str, Any]:
    return await snapshot(hub)


@router.websocket("/ws/wallboard")
async def wallboard_socket(ws: WebSocket) -> None:
    hub: Hub = services_of(ws).hub
    if await access.accept_staff_socket(ws, (access.SUPERVISOR,), "supervisors only") is None:
        return
    async with hub.relay.floor_inbox() as inbox:
        sender = asyncio.create_task(_push(ws, hub, inbox))
        try:
            # nothing to read but the close: text or binary frames a client sends are ignored
            while (await ws.receive())["type"] != "websocket.disconnect":
                pass
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender


async def _push(ws: WebSocket, hub: Hub, inbox: asyncio.Queue[dict[str, Any]]) -> None:
    while True:
        await ws.send_text(json.dumps(await snapshot(hub), ensure_ascii=False))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(inbox.get(), REFRESH_SECONDS)
        await asyncio.sleep(MIN_GAP_SECONDS)
        while not inbox.empty():  # everything that happened meanwhile: one snapshot
            inbox.get_nowait()
