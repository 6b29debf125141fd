"""Rasa's REST channel, ``POST /webhooks/rest/webhook``, so existing Rasa clients work.

The ``sender`` names the conversation, as in Rasa. The answer lists what the bot (or an agent)
said in reply during this request. Concurrent first messages from one sender make one
conversation: a per-sender lock in this process, and a lost insert race with another process is
read back instead of failing.
"""
from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated, Any
from weakref import WeakValueDictionary

from fastapi import APIRouter, HTTPException
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy.exc import IntegrityError

from handoff.api.bodies import UNSET
from handoff.api.views import RestReply
from handoff.chat.relay import message_event
from handoff.deps import HubDep, SettingsDep
from handoff.hub import Hub
from handoff.validation import storable

router = APIRouter(prefix="/webhooks/rest", tags=["rest channel"])
_creating: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()


class RestMessage(BaseModel):
    sender: Annotated[str, Field(min_length=1, max_length=128), AfterValidator(storable)]
    message: Annotated[str, Field(max_length=10_000), AfterValidator(storable)]


def _conversation_id(sender: str) -> str:
    return "r_" + hashlib.sha256(sender.encode("utf-8")).hexdigest()[:24]


async def ensure_conversation(hub: Hub, conversation_id: str) -> None:
    """Create the sender's conversation once, however many first messages race."""
    lock = _creating.setdefault(conversation_id, asyncio.Lock())
    async with lock:
        if await hub.store.get_conversation(conversation_id) is not None:
            return
        try:
            await hub.store.create_conversation(conversation_id, "-", "rest")
        except IntegrityError:  # another process created it first
            if await hub.store.get_conversation(conversation_id) is None:
                raise


@router.post("/webhook", response_model=list[RestReply], **UNSET)
async def webhook(body: RestMessage, hub: HubDep, settings: SettingsDep) -> list[dict[str, Any]]:
    if not body.message.strip():
        raise HTTPException(422, "message is empty")
    if len(body.message) > settings.max_text_chars:
        raise HTTPException(413, f"message longer than {settings.max_text_chars} characters")
    conversation_id = _conversation_id(body.sender)
    replies: list[dict[str, Any]] = []
    await ensure_conversation(hub, conversation_id)
    message = await hub.citizen_message(conversation_id, body.message.strip())  # HubError: 409 (handler)
    # The bot turn is stored before citizen_message returns: read the replies back from the record.
    # (Collected from the relay instead, they were often still in flight through Redis: issue 17.)
    for stored in await hub.store.messages_since(conversation_id, message["seq"]):
        event = message_event(stored)
        if event["sender"] in ("bot", "agent", "system"):
            reply: dict[str, Any] = {"recipient_id": body.sender, "text": event["text"]}
            if event.get("buttons"):
                reply["buttons"] = event["buttons"]
            replies.append(reply)
    return replies
