"""``/ws/agent``: the text agent's websocket (protocol in docs/protocol.md).

The staff token travels in the websocket subprotocol list (``hotline.v1``, ``bearer.<token>``),
never in the URL, so it appears in no access log. Frames are validated against their models
(handoff/api/frame_models.py); any failure is answered with an ``error`` frame and the socket kept.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from handoff.access import accept_staff_socket
from handoff.agent_states import AgentStateError
from handoff.api.frame_models import AGENT_FRAMES, Accept, AgentMessage, AgentTyping, Close, Ping, Status, Transfer
from handoff.api.frames import FrameError, Outbox, RateLimiter, echo, error, receive_frame, text_field, validated
from handoff.auth import CHAT_ROLES
from handoff.chat.conversations import HubError
from handoff.hub import Hub
from handoff.services import services_of

log = logging.getLogger(__name__)
router = APIRouter(tags=["agent"])
AGENT_RATE_FRAMES = 60  # per 10 s: the console sends typing notices while the agent writes


@router.websocket("/ws/agent")
async def agent(ws: WebSocket) -> None:
    hub: Hub = services_of(ws).hub
    user = await accept_staff_socket(ws, CHAT_ROLES, "this role does not take chats")
    if user is None:
        return
    username = user["username"]
    limiter = RateLimiter(frames=AGENT_RATE_FRAMES)
    async with hub.relay.agent_inbox(username) as inbox:
        outbox = Outbox(ws, inbox, hub.transcript)
        chats = await hub.agent_connected(username, int(user["capacity"]))
        outbox.put({"type": "hello", "agent": username, "capacity": int(user["capacity"]), "chats": sorted(chats),
                    "status": await hub.agent_state(username)})
        for conversation_id in sorted(chats):  # a reconnect gets its chats back
            outbox.put({"type": "assigned", "conversation_id": conversation_id,
                        "transcript": await hub.transcript(conversation_id)})
        outbox.start()
        await hub.broadcast_queue()
        try:
            while outbox.alive:
                raw: dict[str, Any] = {}
                try:
                    raw = await receive_frame(ws, limiter)
                    await _handle(validated(AGENT_FRAMES, raw), hub, username, outbox)
                except (FrameError, HubError) as exc:
                    outbox.put(error(exc.code, str(exc), conversation_id=echo(raw, "conversation_id"),
                                     client_id=echo(raw, "client_id")))
                except WebSocketDisconnect:
                    raise
                except Exception:  # contained: logged once, answered, the connection kept
                    log.exception("agent frame %r from %s failed", echo(raw, "type"), username)
                    outbox.put(error("internal", "this action could not be handled; please try again",
                                     conversation_id=echo(raw, "conversation_id"), client_id=echo(raw, "client_id")))
            await ws.close(code=1011, reason="sender stopped")
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            await hub.agent_disconnected(username)
            await outbox.stop()


async def _handle(frame: Any, hub: Hub, username: str, outbox: Outbox) -> None:
    if isinstance(frame, Accept):
        if await hub.accept(username) is None:
            outbox.put(error("queue_empty", "no citizen is waiting"))
    elif isinstance(frame, AgentMessage):
        text = text_field(frame.text, "text", 4000)
        message = await hub.agent_message(username, frame.conversation_id, text, frame.kb_id or None)
        outbox.put({"type": "ack", "client_id": frame.client_id, "seq": message["seq"],
                    "conversation_id": frame.conversation_id})
    elif isinstance(frame, Transfer):
        await hub.transfer(username, frame.conversation_id, frame.to)
    elif isinstance(frame, Close):
        await hub.agent_close(username, frame.conversation_id, frame.wrapup.model_dump())
    elif isinstance(frame, AgentTyping):
        await hub.agent_typing(username, frame.conversation_id)
    elif isinstance(frame, Status):  # ready / break (with reason) / after-chat work / offline
        try:
            await hub.set_agent_state(username, frame.state, frame.reason)
        except AgentStateError as exc:
            raise FrameError(exc.code, str(exc)) from exc
    elif isinstance(frame, Ping):
        outbox.put({"type": "pong"})
