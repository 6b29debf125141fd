"""The live-chat session state machine: bot → queued → with_agent → closed.

Like Starlette's ``WebSocketState``, an illegal transition raises instead of silently corrupting a
conversation (a closed chat cannot be queued; a bot chat cannot be assigned without queueing).
"""
from __future__ import annotations

from enum import StrEnum

from bot.errors import HotlineError


class SessionState(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    SessionState.BOT: frozenset({SessionState.QUEUED, SessionState.CLOSED}),
    # back to the bot: the queue closed for the day (callback offered); closed: citizen left
    SessionState.QUEUED: frozenset({SessionState.WITH_AGENT, SessionState.BOT, SessionState.CLOSED}),
    # back to the queue: the agent vanished past the grace period
    SessionState.WITH_AGENT: frozenset({SessionState.QUEUED, SessionState.CLOSED}),
    SessionState.CLOSED: frozenset(),
}


class IllegalTransition(HotlineError):
    code, status = "illegal_transition", 409

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"a conversation in state '{current}' cannot become '{target}'")
        self.current, self.target = current, target


def check_transition(current: str, target: str) -> SessionState:
    """The target state, if ``current → target`` is allowed; IllegalTransition otherwise."""
    source, goal = SessionState(current), SessionState(target)
    if goal not in TRANSITIONS[source]:
        raise IllegalTransition(current, target)
    return goal
