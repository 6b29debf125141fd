"""``/ws/chat``: the citizen's websocket (protocol in docs/protocol.md)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from handoff.api.frames import FrameError, Outbox, RateLimiter, error, receive_frame, text_field
from handoff.hub import Hub, HubError, conversation_channel, message_event

router = APIRouter(tags=["chat"])


async def _hello(ws: WebSocket, hub: Hub, limiter: RateLimiter) -> tuple[dict[str, Any], str, bool, int]:
    """Wait for a valid ``hello``; errors are answered and the socket kept."""
    while True:
        try:
            frame = await receive_frame(ws, limiter)
            if frame["type"] != "hello":
                raise FrameError("bad_state", "send 'hello' first")
            last_seq = frame.get("last_seq") or 0
            if not isinstance(last_seq, int):
                raise FrameError("bad_request", "'last_seq' must be an integer")
            conversation, token, resumed = await hub.open_conversation(frame.get("conversation_id"), frame.get("token"))
            return conversation, token, resumed, last_seq
        except (FrameError, HubError) as exc:
            await ws.send_json(error(exc.code, str(exc)))


@router.websocket("/ws/chat")
async def chat(ws: WebSocket) -> None:
    hub: Hub = ws.app.state.hub
    limit: int = ws.app.state.settings.max_text_chars
    await ws.accept()
    limiter = RateLimiter()
    try:
        conversation, token, resumed, last_seq = await _hello(ws, hub, limiter)
    except WebSocketDisconnect:
        return
    conversation_id = conversation["id"]
    async def missed(_key: str, after_seq: int) -> list[dict[str, Any]]:
        return [message_event(m) for m in await hub.store.messages_since(conversation_id, after_seq)]

    async with hub.broker.subscribe(conversation_channel(conversation_id)) as inbox:
        outbox = Outbox(ws, inbox, missed)
        welcome = {"type": "welcome", "conversation_id": conversation_id, "token": token,
                   "state": conversation["state"], "resumed": resumed}
        if conversation["state"] == "with_agent":
            welcome["agent"] = conversation["agent"]
        outbox.put(welcome)
        outbox.sent_seq[""] = last_seq
        for message in await hub.store.messages_since(conversation_id, last_seq):
            outbox.put(message_event(message))
        if conversation["state"] == "queued":
            outbox.put(await hub.queue_status(conversation_id))
        await hub.citizen_connected(conversation_id)
        outbox.start()
        try:
            while True:
                try:
                    frame = await receive_frame(ws, limiter)
                    await _handle(frame, hub, conversation_id, outbox, limit)
                except (FrameError, HubError) as exc:
                    outbox.put(error(exc.code, str(exc)))
        except WebSocketDisconnect:
            pass
        finally:
            await hub.citizen_disconnected(conversation_id)
            await outbox.stop()


async def _handle(frame: dict[str, Any], hub: Hub, conversation_id: str, outbox: Outbox, limit: int) -> None:
    kind = frame["type"]
    if kind == "message":
        text = text_field(frame, "text", limit)
        await hub.citizen_message(conversation_id, text, on_stored=lambda m: outbox.put(
            {"type": "ack", "client_id": frame.get("client_id"), "seq": m["seq"]}))
    elif kind == "callback":
        consent = frame.get("consent") is True
        callback_id = await hub.callback(conversation_id, str(frame.get("name") or ""), str(frame.get("phone") or ""),
                                         str(frame.get("question") or ""), consent)
        outbox.put({"type": "ack", "client_id": frame.get("client_id"), "callback_id": callback_id})
    elif kind == "survey":
        await hub.survey(conversation_id, frame.get("score"), frame.get("comment"))  # type: ignore[arg-type]
        outbox.put({"type": "ack", "client_id": frame.get("client_id")})
    elif kind == "feedback":
        if not isinstance(frame.get("seq"), int) or not isinstance(frame.get("helpful"), bool):
            raise FrameError("bad_request", "'seq' (int) and 'helpful' (bool) are required")
        await hub.feedback(conversation_id, frame["seq"], frame["helpful"])
        outbox.put({"type": "ack", "client_id": frame.get("client_id")})
    elif kind == "typing":
        conversation = await hub.store.get_conversation(conversation_id)
        if conversation and conversation["agent"] and conversation["state"] == "with_agent":
            await hub.broker.publish(f"agent:{conversation['agent']}",
                                     {"type": "typing", "sender": "citizen", "conversation_id": conversation_id})
    elif kind == "ping":
        outbox.put({"type": "pong"})
    elif kind == "hello":
        raise FrameError("bad_state", "already said hello")
    else:
        raise FrameError("unknown_type", f"unknown message type '{kind}'")
