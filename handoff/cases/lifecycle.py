"""The life of a case (後送案件) as a small state machine that refuses illegal transitions.

::

    draft ──approve──▶ approved ──dispatch──▶ dispatched ──accept──▶ accepted ──reply──▶ replied ──close──▶ closed
                                                 │   ▲                  │                 ▲  │
                                          return │   │ redispatch       │ return          └──┘ reply again
                                                 ▼   │                  ▼
                                               returned ◀───────────────┘

``edit`` keeps a draft a draft. Each action names who may take it (``ROLES``); the service checks
the agency of agency users separately (a user acts only on cases of their own agency).
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.errors import HotlineError

STATUSES = ("draft", "approved", "dispatched", "accepted", "returned", "replied", "closed")
URGENCIES = ("normal", "urgent")


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("edit", ("draft",), "draft", ("supervisor",)),
    Action("approve", ("draft",), "approved", ("supervisor",)),
    Action("dispatch", ("approved",), "dispatched", ("supervisor",)),
    Action("redispatch", ("returned",), "dispatched", ("supervisor",)),
    Action("accept", ("dispatched",), "accepted", ("agency",)),
    Action("return", ("dispatched", "accepted"), "returned", ("agency",)),
    Action("reply", ("accepted", "replied"), "replied", ("agency",)),
    Action("close", ("replied",), "closed", ("supervisor", "agency")),
)}


class CaseError(HotlineError):
    """A refused case operation. ``code`` is stable for clients; ``status`` is the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message, code=code, status=status)


def check(action: str, status: str, role: str) -> Action:
    """The action if ``role`` may take it on a case in ``status``; otherwise a CaseError saying why."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise CaseError("unknown_action", f"unknown case action {action!r}; one of {', '.join(ACTIONS)}", 400)
    if role not in spec.roles:
        raise CaseError("forbidden", f"{action} is for {' or '.join(spec.roles)} users", 403)
    if status not in spec.sources:
        raise CaseError("bad_transition", f"cannot {action} a case that is {status} "
                        f"(only when {' or '.join(spec.sources)})", 409)
    return spec
