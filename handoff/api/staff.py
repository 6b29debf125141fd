"""Staff REST: KB search for the agent console and conversation records."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from handoff.deps import CurrentStaff, HubDep
from handoff.hub import message_event

router = APIRouter(prefix="/api", tags=["staff"])


@router.get("/kb/search")
async def kb_search(request: Request, user: CurrentStaff,
                    q: str = Query(min_length=1, max_length=200), limit: int = Query(10, ge=1, le=50)) -> list[dict[str, Any]]:
    results = request.app.state.kb_search.search(q, limit)
    return [{k: e[k] for k in ("id", "question", "answer", "category", "agency")} for e in results]


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: str, hub: HubDep, user: CurrentStaff) -> dict[str, Any]:
    record = await hub.store.get_conversation(conversation_id)
    if record is None:
        raise HTTPException(404, "unknown conversation")
    record = {k: v for k, v in record.items() if k != "token_hash"}
    transcript = [message_event(m) for m in await hub.store.messages_since(conversation_id)]
    return {"conversation": record, "transcript": transcript,
            "callbacks": await hub.store.callbacks_for(conversation_id)}
