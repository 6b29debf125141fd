"""Response models of the chat-side and floor routers (health, parse, auth, staff, REST channel,
callbacks, records, wallboard): the OpenAPI document names every JSON body. Like ``bodies.Body``
they keep any key they do not list, and routes answer with ``UNSET`` so the JSON is exactly what
the handler returned."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from handoff.api.bodies import Body, Number, row_model
from handoff.storage.schema import callbacks


class Health(Body):
    status: str
    model: str | None = None
    pid: int


class ParseResult(Body):
    """Rasa's parse shape plus whether the bot would fall back, and why."""
    text: str
    intent: dict[str, Any] | None = None
    intent_ranking: list[dict[str, Any]] = Field(default_factory=list)
    entities: list[dict[str, Any]] = Field(default_factory=list)
    fallback: bool | None = None
    fallback_reason: str | None = None


class LoginResult(BaseModel):
    token: str
    role: str
    username: str


class Me(BaseModel):
    username: str
    role: str
    capacity: int


class KBHit(BaseModel):
    id: str
    question: str
    answer: str
    category: str | None = None
    agency: str | None = None


class ConversationRecord(Body):
    """A conversation as a staff member may read it (``masked`` for agency users)."""
    conversation: dict[str, Any]
    transcript: list[dict[str, Any]]
    callbacks: list[dict[str, Any]]
    masked: bool


class RestReply(Body):
    """One reply in Rasa's REST channel shape."""
    recipient_id: str
    text: str
    buttons: list[dict[str, Any]] | None = None


class CallbackRow(row_model("CallbackRowColumns", callbacks)):  # type: ignore[misc]
    """A callback request (its columns) with its attempts and linked case number."""


class RecordRow(Body):
    """One line of the records search (表1): the conversation with its wrap-up and survey."""
    conversation_id: str
    received_local: str | None = None


class RecordDetail(Body):
    conversation: dict[str, Any]
    transcript: list[dict[str, Any]]
    wrapup: dict[str, Any] | None = None
    survey: dict[str, Any] | None = None
    callbacks: list[dict[str, Any]] = Field(default_factory=list)
    cases: list[dict[str, Any]] = Field(default_factory=list)


class Wallboard(Body):
    """The live floor: waiting, agents by state, answer-speed bands and today's figures."""
    type: str
    at: Number
    waiting: int
    longest_wait_seconds: Number
    agents: list[dict[str, Any]]
    agents_by_state: dict[str, int]
    answer_bands: list[dict[str, Any]]
    answered_today: int
    queued_today: int
    abandoned_today: int
    abandonment_rate: Number | None = None
    surveys_today: int
    satisfaction_rate: Number | None = None
    average_score: Number | None = None
    open_callbacks: int
