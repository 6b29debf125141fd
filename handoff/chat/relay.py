"""The relay: every pub/sub channel name and every event a socket receives is built here.

Channels: ``conv:<id>`` (the citizen's sockets for one chat), ``agent:<username>`` (one agent's
consoles), ``agents`` (every console: the queue view) and ``floor`` (the wallboard recomputes).
"""
from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from handoff.broker import Broker
from handoff.session import SessionState

AGENTS_CHANNEL = "agents"
FLOOR_CHANNEL = "floor"  # "something changed on the floor": the supervisors' wallboard recomputes


def conversation_channel(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def agent_channel(username: str) -> str:
    return f"agent:{username}"


def message_event(message: dict[str, Any], conversation_id: str | None = None) -> dict[str, Any]:
    """A stored message as sent to a socket; ``conversation_id`` is added for the agents' consoles."""
    event = {"type": "message", "seq": message["seq"], "sender": message["sender"], "text": message["text"],
             "kind": message.get("kind"), "created_at": message["created_at"]}
    payload = message.get("payload") or {}
    for key in ("buttons", "form", "intent", "kb_id"):
        if payload.get(key):
            event[key] = payload[key]
    if message.get("agent"):
        event["agent"] = message["agent"]
    if conversation_id:
        event["conversation_id"] = conversation_id
    return event


class Relay:
    """Publishes to the channels above over the ``Broker`` (memory or Redis)."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker

    def citizen_inbox(self, conversation_id: str) -> AbstractAsyncContextManager[Any]:
        """What the citizen's socket of one chat receives."""
        return self.broker.subscribe(conversation_channel(conversation_id))

    def agent_inbox(self, username: str) -> AbstractAsyncContextManager[Any]:
        """What an agent's console receives: their own channel and the agents' queue view."""
        return self.broker.subscribe(agent_channel(username), AGENTS_CHANNEL)

    def floor_inbox(self) -> AbstractAsyncContextManager[Any]:
        """What the supervisors' wallboard receives: a nudge whenever the floor changed."""
        return self.broker.subscribe(FLOOR_CHANNEL)

    async def to_citizen(self, conversation_id: str, event: dict[str, Any]) -> None:
        await self.broker.publish(conversation_channel(conversation_id), event)

    async def to_agent(self, username: str, event: dict[str, Any]) -> None:
        await self.broker.publish(agent_channel(username), event)

    async def to_agents(self, event: dict[str, Any]) -> None:
        await self.broker.publish(AGENTS_CHANNEL, event)

    async def floor_changed(self) -> None:
        await self.broker.publish(FLOOR_CHANNEL, {"type": "floor"})

    async def state(self, conversation_id: str, state: SessionState, **extra: Any) -> None:
        """The citizen's ``state`` frame (``agent``, ``number`` as the state has them)."""
        await self.to_citizen(conversation_id, {"type": "state", "state": state, **extra})

    async def message(self, conversation: dict[str, Any], message: dict[str, Any]) -> None:
        """A stored message to the citizen, and to the agent while one has the chat."""
        await self.to_citizen(conversation["id"], message_event(message))
        if conversation["state"] == SessionState.WITH_AGENT and conversation["agent"]:
            await self.to_agent(conversation["agent"], message_event(message, conversation["id"]))
