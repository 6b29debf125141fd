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

from fastapi import APIRouter, Request, WebSocket
from starlette.websockets import WebSocketDisconnect

from handoff import access
from handoff.access import clock_of
from handoff.api.agent_ws import SUBPROTOCOL, subprotocol_token
from handoff.auth import staff_for_token
from handoff.deps import CurrentSupervisor
from handoff.hub import FLOOR_CHANNEL, Hub
from handoff.wallboard import snapshot

router = APIRouter(tags=["wallboard"])
access.register("GET", "/api/wallboard", access.SUPERVISOR)
REFRESH_SECONDS = 3.0
MIN_GAP_SECONDS = 0.5


@router.get("/api/wallboard")
async def wallboard(request: Request, user: CurrentSupervisor) -> dict[str, Any]:
    return await snapshot(request.app.state.hub)


@router.websocket("/ws/wallboard")
async def wallboard_socket(ws: WebSocket) -> None:
    hub: Hub = ws.app.state.hub
    token = subprotocol_token(ws)
    user = await staff_for_token(hub.store.db, token, clock_of(ws.app)) if token else None
    await ws.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in (ws.scope.get("subprotocols") or []) else None)
    if user is None:
        await ws.close(code=4401, reason="login required")
        return
    if user["role"] != "supervisor":
        await ws.close(code=4403, reason="supervisors only")
        return
    async with hub.broker.subscribe(FLOOR_CHANNEL) as inbox:
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
