"""``POST /model/parse``: Rasa's parse endpoint."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from pydantic import AfterValidator, BaseModel, Field

from handoff.api.bodies import UNSET
from handoff.api.views import ParseResult
from handoff.deps import NLUDep, SettingsDep
from handoff.validation import storable

router = APIRouter(prefix="/model", tags=["nlu"])


def _utf8(value: str) -> str:
    """Parse text may hold NUL (it is not stored) but must encode as UTF-8."""
    storable(value.replace("\x00", ""))
    return value


class ParseRequest(BaseModel):
    text: Annotated[str, Field(max_length=100_000, description="The citizen's message."), AfterValidator(_utf8)]


@router.post("/parse", response_model=ParseResult, **UNSET)
async def parse(body: ParseRequest, nlu: NLUDep, settings: SettingsDep) -> dict[str, Any]:
    """Rasa's parse shape (text, intent, intent_ranking, entities) plus fallback/fallback_reason."""
    if len(body.text) > settings.max_text_chars:
        raise HTTPException(413, f"text longer than {settings.max_text_chars} characters")
    if not body.text.strip():
        raise HTTPException(422, "text is empty")
    return await nlu.parse(body.text)  # NLUInputError: 422 through the one handler
