"""REST clients' way back to agent replies: register a callback URL, or fetch what was said since a
seq (docs/protocol.md, "REST channel: agent replies"); the pushing is handoff/rest_callbacks.py."""
from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, insert, select, update

from bot.errors import HotlineError
from handoff import access
from handoff.api.bodies import Body
from handoff.api.rest_channel import _conversation_id
from handoff.deps import ServicesDep
from handoff.storage.schema import messages, rest_clients

router = APIRouter(prefix="/webhooks/rest", tags=["rest channel"])
access.register("POST", "/webhooks/rest/callback", access.ANYONE, note="REST clients register a callback URL")
access.register("GET", "/webhooks/rest/messages", access.ANYONE, note="REST clients fetch new messages")


class UnknownSender(HotlineError, LookupError):
    code, status = "unknown_sender", 404


class CallbackIn(BaseModel):
    sender: str = Field(min_length=1, max_length=128)
    url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")



class Registered(Body):
    sender: str
    callback_url: str | None
    after: int = Field(description="The last seq already said: later messages are pushed.")


class Said(Body):
    recipient_id: str
    seq: int
    sender: str
    text: str


@router.post("/callback", response_model=Registered)
async def register(body: CallbackIn, services: ServicesDep) -> dict[str, Any]:
    """Register (or with ``url: null`` remove) the sender's callback URL. Messages from now on are
    pushed; earlier ones can be fetched."""
    conversation_id = _conversation_id(body.sender)
    if await services.hub.store.get_conversation(conversation_id) is None:
        raise UnknownSender("no conversation for this sender yet: send a message first")

    def write(c: Connection) -> int:
        last = int(c.execute(select(func.coalesce(func.max(messages.c.seq), 0))
                             .where(messages.c.conversation_id == conversation_id)).scalar_one())
        values = {"callback_url": body.url, "delivered_seq": last, "attempts": 0, "next_attempt_at": None,
                  "last_error": None}
        done = c.execute(update(rest_clients).where(rest_clients.c.conversation_id == conversation_id).values(values))
        if not done.rowcount:
            c.execute(insert(rest_clients).values(conversation_id=conversation_id, sender=body.sender,
                                                  created_at=time.time(), **values))
        return last

    last = await services.db.write(write)
    return {"sender": body.sender, "callback_url": body.url, "after": last}


@router.get("/messages", response_model=list[Said])
async def fetch(services: ServicesDep, sender: Annotated[str, Query(min_length=1, max_length=128)],
                after: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    """What the bot, the agent and the system said after ``after`` (a seq), oldest first."""
    conversation_id = _conversation_id(sender)
    if await services.hub.store.get_conversation(conversation_id) is None:
        raise UnknownSender("no conversation for this sender")
    return [{"recipient_id": sender, "seq": m["seq"], "sender": m["sender"], "text": m["text"]}
            for m in await services.hub.store.messages_since(conversation_id, after) if m["sender"] != "citizen"]
