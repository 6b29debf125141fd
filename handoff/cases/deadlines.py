"""Deadline rules of a case, as pure functions of the case row and ``now`` (epoch seconds).

The rules (the seed 004: the handling agency answers the citizen within 24 h; "催促兩次仍未辦理"
goes up to the agency's supervisors):

=========  =======================  ===============================  ===========  ===========
deadline   running while status     due at                           "before"     step
=========  =======================  ===============================  ===========  ===========
accept     dispatched               dispatched_at + 24 h             due − 4 h    4 h
reply      accepted                 accepted_at + 24 h (reply_due)   due − 4 h    4 h
resolve    accepted, replied        accepted_at + 7 d normal /       due − 1 d    1 d
                                    3 d urgent (resolve_due)
=========  =======================  ===============================  ===========  ===========

For each running deadline the sweep sends, to the agency's users:

1. a **before** reminder once ``now ≥ due − before`` (skipped when the sweep first sees the case
   already overdue);
2. **overdue reminder 1** once ``now ≥ due`` ("at the deadline");
3. **overdue reminder 2** once ``now ≥ due + step`` and one step after reminder 1 was sent;
4. **escalation** (to the supervisors and the agency) one step after reminder 2 was sent, when the
   deadline is still not met — "after two reminders".

Later steps are anchored on when the earlier ones were really sent, so a sweep that was stopped for
a day catches up one step per ``step``, never all at once. Each step has a key
(``reply@<due>:overdue-1``) recorded in case_events; a step whose key is recorded is never sent
again, which makes the sweep idempotent. A re-dispatch or re-acceptance gives new due times and so
fresh keys.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

HOUR = 3600.0
DAY = 24 * HOUR
ACCEPT_WITHIN = 24 * HOUR
REPLY_WITHIN = 24 * HOUR
RESOLVE_WITHIN = {"normal": 7 * DAY, "urgent": 3 * DAY}


@dataclass(frozen=True)
class Rule:
    name: str
    label: str  # what the agency has to do, in the notifications
    before: float
    step: float


RULES = {
    "accept": Rule("accept", "受理", 4 * HOUR, 4 * HOUR),
    "reply": Rule("reply", "回覆民眾", 4 * HOUR, 4 * HOUR),
    "resolve": Rule("resolve", "辦結", DAY, DAY),
}
STAGES = ("before", "overdue-1", "overdue-2", "escalate")


@dataclass(frozen=True)
class Step:
    deadline: str
    stage: str  # one of STAGES
    due: float

    @property
    def key(self) -> str:
        return step_key(self.deadline, self.due, self.stage)

    @property
    def overdue(self) -> bool:
        return self.stage.startswith("overdue")


def step_key(deadline: str, due: float, stage: str) -> str:
    return f"{deadline}@{int(due)}:{stage}"


def reply_due(accepted_at: float) -> float:
    return accepted_at + REPLY_WITHIN


def resolve_due(accepted_at: float, urgency: str) -> float:
    return accepted_at + RESOLVE_WITHIN.get(urgency, RESOLVE_WITHIN["normal"])


def accept_due(dispatched_at: float) -> float:
    return dispatched_at + ACCEPT_WITHIN


def running(case: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The deadlines still to be met, as (name, due at)."""
    status = case["status"]
    if status == "dispatched" and case.get("dispatched_at") is not None:
        return [("accept", accept_due(case["dispatched_at"]))]
    found = []
    if status == "accepted" and case.get("reply_due_at") is not None:
        found.append(("reply", case["reply_due_at"]))
    if status in ("accepted", "replied") and case.get("resolve_due_at") is not None:
        found.append(("resolve", case["resolve_due_at"]))
    return found


def due_steps(case: Mapping[str, Any], sent: Mapping[str, float], now: float) -> Iterator[Step]:
    """The reminder or escalation steps to take at ``now``; ``sent`` maps step keys to when they
    were taken (from case_events)."""
    for name, due in running(case):
        rule = RULES[name]

        def at(stage: str, due: float = due, name: str = name) -> float | None:
            return sent.get(step_key(name, due, stage))

        if now < due:
            if now >= due - rule.before and at("before") is None:
                yield Step(name, "before", due)
            continue
        first = at("overdue-1")
        if first is None:
            yield Step(name, "overdue-1", due)
            continue
        second = at("overdue-2")
        if second is None:
            if now >= max(due + rule.step, first + rule.step):
                yield Step(name, "overdue-2", due)
            continue
        if at("escalate") is None and now >= second + rule.step:
            yield Step(name, "escalate", due)


def badges(case: Mapping[str, Any], now: float) -> list[dict[str, Any]]:
    """The running deadlines for display: ``state`` is ok, soon (within the "before" window) or overdue."""
    out = []
    for name, due in running(case):
        rule = RULES[name]
        state = "overdue" if now >= due else "soon" if now >= due - rule.before else "ok"
        out.append({"name": name, "label": rule.label, "due_at": due, "state": state})
    return out
