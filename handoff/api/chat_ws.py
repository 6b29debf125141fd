"""``/ws/chat``: the citizen's websocket (protocol in docs/protocol.md).

Every frame is validated against its model (handoff/api/frame_models.py) before anything reaches
the store or the NLU. A frame that fails for any other reason is logged once and answered with an
``error`` frame (``internal``); the connection stays open either way.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from handoff.api.frame_models import (
    CITIZEN_FRAMES,
    Callback,
    CitizenMessage,
    Feedback,
    Hello,
    Leave,
    Ping,
    Survey,
    Typing,
)
from handoff.api.frames import FrameError, Outbox, RateLimiter, echo, error, receive_frame, text_field, validated
from handoff.chat.conversations import HubError
from handoff.chat.relay import message_event
from handoff.hub import Hub
from handoff.services import services_of

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])
INTERNAL = ("internal", "this message could not be handled; please try again")


async def _hello(ws: WebSocket, hub: Hub, limiter: RateLimiter) -> tuple[dict[str, Any], str, bool, int]:
    """Wait for a valid ``hello``; errors are answered and the socket kept."""
    while True:
        try:
            frame = validated(CITIZEN_FRAMES, await receive_frame(ws, limiter))
            if not isinstance(frame, Hello):
                raise FrameError("bad_state", "send 'hello' first")
            conversation, token, resumed = await hub.open_conversation(frame.conversation_id, frame.token)
            return conversation, token, resumed, frame.last_seq or 0
        except (FrameError, HubError) as exc:
            await ws.send_json(error(exc.code, str(exc)))
        except WebSocketDisconnect:
            raise
        except Exception:
            log.exception("citizen hello failed")
            await ws.send_json(error(*INTERNAL))


@router.websocket("/ws/chat")
async def chat(ws: WebSocket) -> None:
    services = services_of(ws)
    hub: Hub = services.hub
    limit: int = services.settings.max_text_chars
    await ws.accept()
    limiter = RateLimiter()
    try:
        conversation, token, resumed, last_seq = await _hello(ws, hub, limiter)
    except WebSocketDisconnect:
        return
    conversation_id = conversation["id"]
    async def missed(_key: str, after_seq: int) -> list[dict[str, Any]]:
        return [message_event(m) for m in await hub.store.messages_since(conversation_id, after_seq)]

    async with hub.relay.citizen_inbox(conversation_id) as inbox:
        outbox = Outbox(ws, inbox, missed)
        welcome = {"type": "welcome", "conversation_id": conversation_id, "token": token,
                   "state": conversation["state"], "resumed": resumed}
        if conversation["state"] == "with_agent":
            welcome["agent"] = conversation["agent"]
        if conversation.get("number"):
            welcome["number"] = conversation["number"]
        outbox.put(welcome)
        outbox.sent_seq[""] = last_seq
        for message in await hub.store.messages_since(conversation_id, last_seq):
            outbox.put(message_event(message))
        if conversation["state"] == "queued":
            outbox.put(await hub.queue_status(conversation_id))
        await hub.citizen_connected(conversation_id)
        outbox.start()
        try:
            while outbox.alive:
                raw: dict[str, Any] = {}
                try:
                    raw = await receive_frame(ws, limiter)
                    await _handle(validated(CITIZEN_FRAMES, raw), hub, conversation_id, outbox, limit)
                except (FrameError, HubError) as exc:
                    outbox.put(error(exc.code, str(exc), client_id=echo(raw, "client_id")))
                except WebSocketDisconnect:
                    raise
                except Exception:  # contained: logged once, answered, the connection kept
                    log.exception("citizen frame %r failed in %s", echo(raw, "type"), conversation_id)
                    outbox.put(error(*INTERNAL, client_id=echo(raw, "client_id")))
            await ws.close(code=1011, reason="sender stopped")  # never a silent socket
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            await hub.citizen_disconnected(conversation_id)
            await outbox.stop()


async def _feedback_target(hub: Hub, conversation_id: str, seq: int) -> None:
    """👍/👎 only on a bot message of this conversation."""
    rows = await hub.store.messages_since(conversation_id, seq - 1)
    if not rows or rows[0]["seq"] != seq or rows[0]["sender"] != "bot":
        raise FrameError("bad_request", "'seq' is not a bot message of this conversation")


async def _handle(frame: Any, hub: Hub, conversation_id: str, outbox: Outbox, limit: int) -> None:
    if isinstance(frame, CitizenMessage):
        text = text_field(frame.text, "text", limit)
        await hub.citizen_message(conversation_id, text, on_stored=lambda m: outbox.put(
            {"type": "ack", "client_id": frame.client_id, "seq": m["seq"]}))
    elif isinstance(frame, Callback):
        callback_id = await hub.callback(conversation_id, frame.name, frame.phone, frame.question, frame.consent)
        outbox.put({"type": "ack", "client_id": frame.client_id, "callback_id": callback_id})
    elif isinstance(frame, Survey):
        await hub.survey(conversation_id, frame.score, frame.comment)
        outbox.put({"type": "ack", "client_id": frame.client_id})
    elif isinstance(frame, Feedback):
        await _feedback_target(hub, conversation_id, frame.seq)
        await hub.feedback(conversation_id, frame.seq, frame.helpful)
        outbox.put({"type": "ack", "client_id": frame.client_id, "seq": frame.seq})
    elif isinstance(frame, Typing):
        await hub.citizen_typing(conversation_id)
    elif isinstance(frame, Leave):  # 「結束對話」: out of the queue (or away from the agent) at once
        await hub.citizen_leave(conversation_id)
        outbox.put({"type": "ack", "client_id": frame.client_id})
    elif isinstance(frame, Ping):
        outbox.put({"type": "pong"})
    elif isinstance(frame, Hello):
        raise FrameError("bad_state", "already said hello")
