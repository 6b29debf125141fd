"""One conversation's record as the hub parts share it: look-up, the per-chat turn lock, state
changes (only through the state machine, handoff/session.py) and what the bot or the system says.
"""
from __future__ import annotations

import asyncio
from typing import Any

from bot.dialogue import Reply
from bot.errors import HotlineError
from handoff.chat.relay import Relay, message_event
from handoff.session import SessionState
from handoff.storage.store import SQLConversationStore


class HubError(HotlineError):
    """A request the hub refuses; ``code`` goes into the error frame (409 over HTTP)."""

    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class Conversations:
    def __init__(self, store: SQLConversationStore, relay: Relay) -> None:
        self.store = store
        self.relay = relay
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, conversation_id: str) -> asyncio.Lock:
        """One turn at a time per conversation, so bot replies keep their order."""
        return self._locks.setdefault(conversation_id, asyncio.Lock())

    def forget(self, conversation_id: str) -> None:
        """The last citizen socket of the chat left this process: its lock goes."""
        self._locks.pop(conversation_id, None)

    async def get(self, conversation_id: str) -> dict[str, Any]:
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is None:
            raise HubError("not_found", "unknown conversation")
        return conversation

    async def agent_chat(self, username: str, conversation_id: str) -> dict[str, Any]:
        """The conversation, if ``username`` is the agent who has it now; HubError otherwise."""
        conversation = await self.get(conversation_id)
        if conversation["state"] != SessionState.WITH_AGENT or conversation["agent"] != username:
            raise HubError("not_your_chat", "this chat is not assigned to you")
        return conversation

    async def change_state(self, conversation: dict[str, Any], target: SessionState, **values: Any) -> None:
        """Move the chat to ``target`` (IllegalTransition when the state machine refuses)."""
        await self.store.change_state(conversation["id"], conversation["state"], target, **values)

    async def bot_store(self, conversation_id: str, replies: list[Reply], answered: bool = False,
                        updates: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Store the bot's replies (and conversation updates) in one transaction."""
        rows = bot_rows(replies)
        counters = {"bot_turns": len(replies), **({"answered_turns": 1} if answered else {})}
        return await self.store.add_bot_messages(conversation_id, rows, counters, updates or {})

    async def publish_bot(self, conversation_id: str, stored: list[dict[str, Any]]) -> None:
        for message in stored:
            await self.relay.to_citizen(conversation_id, message_event(message))

    async def bot_say(self, conversation_id: str, replies: list[Reply]) -> None:
        await self.publish_bot(conversation_id, await self.bot_store(conversation_id, replies))

    async def system_say(self, conversation: dict[str, Any], text: str, kind: str,
                         form: dict[str, Any] | None = None) -> None:
        message = await self.store.add_message(conversation["id"], "system", text, kind=kind,
                                               payload={"form": form} if form else None)
        await self.relay.message(conversation, message)


def bot_rows(replies: list[Reply]) -> list[tuple[str, str, dict[str, Any]]]:
    """The bot's replies as stored messages: (text, kind, payload)."""
    return [(reply.text, reply.kind, {k: v for k, v in
             {"buttons": reply.buttons, "form": reply.form, "intent": reply.intent}.items() if v})
            for reply in replies]
