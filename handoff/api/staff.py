"""Staff REST: KB search for the agent console and conversation records.

Who may read which conversation is handoff/access.py's row rule; an agency user gets the record
masked (bot/pii.py), never the raw transcript.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from bot.pii import mask
from handoff.access import conversation_access
from handoff.api.bodies import UNSET
from handoff.api.views import ConversationRecord, KBHit
from handoff.chat.relay import message_event
from handoff.deps import CurrentStaff, HubDep, ServicesDep

router = APIRouter(prefix="/api", tags=["staff"])
ConversationId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/kb/search", response_model=list[KBHit])
async def kb_search(services: ServicesDep, user: CurrentStaff,
                    q: str = Query(min_length=1, max_length=200), limit: int = Query(10, ge=1, le=50)) -> list[dict[str, Any]]:
    results = services.live_kb.search.search(q, limit)
    return [{k: e[k] for k in ("id", "question", "answer", "category", "agency")} for e in results]


def _masked(record: dict[str, Any], transcript: list[dict[str, Any]],
            callbacks: list[dict[str, Any]]) -> dict[str, Any]:
    for event in transcript:
        event["text"] = mask(event["text"])
    callbacks = [{**c, "name": "[姓名]", "phone": mask(str(c.get("phone") or "")) or "[電話]",
                  "question": mask(str(c.get("question") or ""))} for c in callbacks]
    return {"conversation": record, "transcript": transcript, "callbacks": callbacks, "masked": True}


@router.get("/conversations/{conversation_id}", response_model=ConversationRecord, **UNSET, responses={404: {"description": "unknown, or not yours to read"}})
async def conversation(conversation_id: ConversationId, hub: HubDep, user: CurrentStaff) -> dict[str, Any]:
    view = await conversation_access(hub.store.db, user, conversation_id)
    record = await hub.store.get_conversation(conversation_id)
    if record is None:
        raise HTTPException(404, "unknown conversation")
    record = {k: v for k, v in record.items() if k not in ("token_hash", "dialogue")}
    transcript = [message_event(m) for m in await hub.store.messages_since(conversation_id)]
    callbacks = await hub.store.callbacks_for(conversation_id)
    if view == "masked":
        return _masked(record, transcript, callbacks)
    return {"conversation": record, "transcript": transcript, "callbacks": callbacks, "masked": False}
