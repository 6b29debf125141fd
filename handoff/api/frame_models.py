"""Every websocket frame a client may send, as pydantic models: one discriminated union on ``type``
per socket. docs/protocol.md's "→ server" tables are checked against these models
(tests/hardening/test_protocol_doc.py), so the doc cannot drift from what the server accepts.

A frame that does not fit gets an ``error`` frame (``frame_error``) and the connection stays open.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from handoff.validation import Flag, Id64, Seq, Text64, storable

ClientId = Text64 | None
LongText = Annotated[str, StringConstraints(max_length=4000), AfterValidator(storable)]


def _bounded(limit: int) -> Any:
    return Annotated[str, StringConstraints(max_length=limit), AfterValidator(storable)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# citizen → server ------------------------------------------------------------------------------
class Hello(_Frame):
    type: Literal["hello"]
    conversation_id: Id64 | None = None
    token: _bounded(128) | None = None  # type: ignore[valid-type]
    last_seq: Seq | None = None


class CitizenMessage(_Frame):
    type: Literal["message"]
    text: LongText
    client_id: ClientId = None


class Callback(_Frame):
    type: Literal["callback"]
    name: _bounded(100)  # type: ignore[valid-type]
    phone: _bounded(40)  # type: ignore[valid-type]
    question: _bounded(2000)  # type: ignore[valid-type]
    consent: Flag  # must be true: false is answered with consent_required
    client_id: ClientId = None


class Survey(_Frame):
    type: Literal["survey"]
    score: Annotated[int, Field(strict=True, ge=-(2**31), le=2**31)]  # 1–5 is checked by the hub (bad_score)
    comment: _bounded(1000) | None = None  # type: ignore[valid-type]
    client_id: ClientId = None


class Feedback(_Frame):
    type: Literal["feedback"]
    seq: Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]
    helpful: Flag
    client_id: ClientId = None


class Typing(_Frame):
    type: Literal["typing"]


class Ping(_Frame):
    type: Literal["ping"]


class Leave(_Frame):
    type: Literal["leave"]
    client_id: ClientId = None


CitizenFrame = Annotated[Hello | CitizenMessage | Callback | Survey | Feedback | Typing | Ping | Leave,
                         Field(discriminator="type")]


# agent → server --------------------------------------------------------------------------------
class Accept(_Frame):
    type: Literal["accept"]


class Wrapup(_Frame):
    category: _bounded(100) | None = None  # type: ignore[valid-type]
    summary: _bounded(2000) | None = None  # type: ignore[valid-type]
    case_needed: Flag = False
    answer: _bounded(4000) | None = None  # type: ignore[valid-type]
    citizen_name: _bounded(100) | None = None  # type: ignore[valid-type]
    citizen_phone: _bounded(40) | None = None  # type: ignore[valid-type]
    faq_needed: Flag = False


class AgentMessage(_Frame):
    type: Literal["message"]
    conversation_id: Id64
    text: LongText
    client_id: ClientId = None
    kb_id: Text64 | None = None


class Transfer(_Frame):
    type: Literal["transfer"]
    conversation_id: Id64
    to: Id64


class Close(_Frame):
    type: Literal["close"]
    conversation_id: Id64
    wrapup: Wrapup = Wrapup()


class AgentTyping(_Frame):
    type: Literal["typing"]
    conversation_id: Id64


class Status(_Frame):
    type: Literal["status"]
    state: Literal["ready", "break", "wrapup", "offline"]
    reason: _bounded(100) | None = None  # type: ignore[valid-type]


AgentFrame = Annotated[Accept | AgentMessage | Transfer | Close | AgentTyping | Ping | Status,
                       Field(discriminator="type")]

CITIZEN_FRAMES: TypeAdapter[Any] = TypeAdapter(CitizenFrame)
AGENT_FRAMES: TypeAdapter[Any] = TypeAdapter(AgentFrame)


def frame_error(exc: ValidationError) -> tuple[str, str]:
    """(code, message) for an ``error`` frame; the message never echoes the offending input."""
    errors = exc.errors(include_input=False, include_url=False)
    kinds = {e["type"] for e in errors}
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"][1:] if not isinstance(p, int)) or "frame"
    if "union_tag_invalid" in kinds:
        return "unknown_type", "unknown message type"
    if "string_too_long" in kinds:
        return "too_large", f"'{where}' is too long"
    return "bad_request", f"'{where}': {first['msg']}"
