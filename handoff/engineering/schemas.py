"""Response bodies of the engineer's API (handoff/engineering/api.py), for the OpenAPI document."""
from __future__ import annotations

from pydantic import BaseModel

Number = int | float  # kept as given: a count stays an integer in the JSON


class MissItem(BaseModel):
    id: int
    conversation_id: str
    citizen_seq: int
    text_masked: str
    intent: str | None
    confidence: float | None
    miss_reason: str | None
    suggested_label: str | None
    label_source: str | None
    created_at: float


class MissCluster(BaseModel):
    cluster: int
    count: int
    first_seen: float
    last_seen: float
    suggested_label: str | None
    top_predicted: str | None
    items: list[MissItem]


class Labelled(BaseModel):
    written: int
    file: str
    intent: str


class Ignored(BaseModel):
    ignored: int


class Proposed(BaseModel):
    draft_id: str
    status: str


class MatchRateRow(BaseModel):
    period: str
    question_turns: int
    answered_turns: int
    match_rate: float
    person_requests: int


class Models(BaseModel):
    serving: str | None
    deployed: str | None
    versions: list[str]


class Trained(BaseModel):
    version: str


class ChangedAnswer(BaseModel):
    text: str
    expected: str | None
    candidate: str | None
    deployed: str | None


class ComparisonBody(BaseModel):
    """The regression gate: figures of each model on dev + labelled misses, and what changed."""

    candidate: dict[str, Number]
    deployed: dict[str, Number]
    fixed: list[ChangedAnswer]
    broken: list[ChangedAnswer]
    allowed: bool
    reasons: list[str]


class Compared(BaseModel):
    version: str
    comparison: ComparisonBody | None


class Deployed(BaseModel):
    deployed: str
    previous: str | None
    comparison: ComparisonBody | None


class RolledBack(BaseModel):
    deployed: str
