"""``/ws/agent``: the text agent's websocket (protocol in docs/protocol.md)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from handoff.api.frames import FrameError, Outbox, RateLimiter, error, receive_frame, text_field
from handoff.auth import CHAT_ROLES, digest
from handoff.hub import AGENTS_CHANNEL, Hub, HubError, agent_channel, message_event

router = APIRouter(tags=["agent"])


@router.websocket("/ws/agent")
async def agent(ws: WebSocket) -> None:
    hub: Hub = ws.app.state.hub
    token = ws.query_params.get("token", "")
    user = await hub.store.user_for_token(digest(token)) if token else None
    await ws.accept()
    if user is None:
        await ws.close(code=4401, reason="login required")
        return
    if user["role"] not in CHAT_ROLES:
        await ws.close(code=4403, reason="this role does not take chats")
        return
    username = user["username"]
    limiter = RateLimiter(frames=60)
    async def missed(conversation_id: str, after_seq: int) -> list[dict[str, Any]]:
        return [message_event(m, conversation_id) for m in await hub.store.messages_since(conversation_id, after_seq)]

    async with hub.broker.subscribe(agent_channel(username), AGENTS_CHANNEL) as inbox:
        outbox = Outbox(ws, inbox, missed)
        chats = await hub.agent_connected(username, int(user["capacity"]))
        outbox.put({"type": "hello", "agent": username, "capacity": int(user["capacity"]), "chats": sorted(chats)})
        for conversation_id in sorted(chats):  # a reconnect gets its chats back
            transcript = [message_event(m, conversation_id) for m in await hub.store.messages_since(conversation_id)]
            outbox.put({"type": "assigned", "conversation_id": conversation_id, "transcript": transcript})
        outbox.start()
        await hub.broadcast_queue()
        try:
            while True:
                frame: dict[str, Any] | None = None
                try:
                    frame = await receive_frame(ws, limiter)
                    await _handle(frame, hub, username, outbox)
                except (FrameError, HubError) as exc:
                    failed = error(exc.code, str(exc))
                    for key in ("conversation_id", "client_id"):  # which chat the error is about
                        if isinstance(frame, dict) and frame.get(key) is not None:
                            failed[key] = frame[key]
                    outbox.put(failed)
        except WebSocketDisconnect:
            pass
        finally:
            await hub.agent_disconnected(username)
            await outbox.stop()


async def _handle(frame: dict[str, Any], hub: Hub, username: str, outbox: Outbox) -> None:
    kind = frame["type"]
    conversation_id = frame.get("conversation_id")
    if kind != "accept" and kind != "ping" and not isinstance(conversation_id, str):
        raise FrameError("bad_request", "'conversation_id' is required")
    if kind == "accept":
        if await hub.accept(username) is None:
            outbox.put(error("queue_empty", "no citizen is waiting"))
    elif kind == "message":
        text = text_field(frame, "text", 4000)
        kb_id = frame.get("kb_id") if isinstance(frame.get("kb_id"), str) else None
        message = await hub.agent_message(username, conversation_id, text, kb_id)  # type: ignore[arg-type]
        outbox.put({"type": "ack", "client_id": frame.get("client_id"), "seq": message["seq"],
                    "conversation_id": conversation_id})
    elif kind == "transfer":
        await hub.transfer(username, conversation_id, text_field(frame, "to", 64))  # type: ignore[arg-type]
    elif kind == "close":
        wrapup = frame.get("wrapup") if isinstance(frame.get("wrapup"), dict) else {}
        await hub.agent_close(username, conversation_id, wrapup)  # type: ignore[arg-type]
    elif kind == "typing":
        await hub._agent_chat(username, conversation_id)  # type: ignore[arg-type]
        await hub.broker.publish(f"conv:{conversation_id}", {"type": "typing", "sender": "agent"})
    elif kind == "ping":
        outbox.put({"type": "pong"})
    else:
        raise FrameError("unknown_type", f"unknown message type '{kind}'")
