"""``POST /model/parse``: Rasa's parse endpoint."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from handoff.deps import NLUDep, SettingsDep

router = APIRouter(prefix="/model", tags=["nlu"])


class ParseRequest(BaseModel):
    text: str = Field(description="The citizen's message.")


@router.post("/parse")
async def parse(body: ParseRequest, nlu: NLUDep, settings: SettingsDep) -> dict[str, Any]:
    """Rasa's parse shape (text, intent, intent_ranking, entities) plus fallback/fallback_reason."""
    if len(body.text) > settings.max_text_chars:
        raise HTTPException(413, f"text longer than {settings.max_text_chars} characters")
    if not body.text.strip():
        raise HTTPException(422, "text is empty")
    return await nlu.parse(body.text)
