"""Rasa's REST channel, ``POST /webhooks/rest/webhook``, so existing Rasa clients work.

The ``sender`` names the conversation, as in Rasa. The answer lists what the bot (or an agent)
said in reply during this request.
"""
from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from handoff.deps import HubDep, SettingsDep
from handoff.hub import HubError, conversation_channel

router = APIRouter(prefix="/webhooks/rest", tags=["rest channel"])


class RestMessage(BaseModel):
    sender: str = Field(min_length=1, max_length=128)
    message: str = Field(max_length=10_000)


def _conversation_id(sender: str) -> str:
    return "r_" + hashlib.sha256(sender.encode("utf-8")).hexdigest()[:24]


@router.post("/webhook")
async def webhook(body: RestMessage, hub: HubDep, settings: SettingsDep) -> list[dict[str, Any]]:
    if not body.message.strip():
        raise HTTPException(422, "message is empty")
    if len(body.message) > settings.max_text_chars:
        raise HTTPException(413, f"message longer than {settings.max_text_chars} characters")
    conversation_id = _conversation_id(body.sender)
    replies: list[dict[str, Any]] = []
    async with hub.broker.subscribe(conversation_channel(conversation_id)) as inbox:
        if await hub.store.get_conversation(conversation_id) is None:
            await hub.store.create_conversation(conversation_id, "-", "rest")
        try:
            await hub.citizen_message(conversation_id, body.message.strip())
        except HubError as exc:
            raise HTTPException(409, str(exc)) from exc
        await asyncio.sleep(0)
        while not inbox.empty():
            event = inbox.get_nowait()
            if event.get("type") == "message" and event["sender"] in ("bot", "agent", "system"):
                reply: dict[str, Any] = {"recipient_id": body.sender, "text": event["text"]}
                if event.get("buttons"):
                    reply["buttons"] = event["buttons"]
                replies.append(reply)
    return replies
