"""The agent's desk: connecting and leaving, writing to the citizen, closing a chat with its wrap-up
(and a draft KB entry when the agent ticks "FAQ needed")."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.hours import timestamp
from handoff.agent_states import AgentState
from handoff.chat.assignment import Assignment
from handoff.chat.conversations import Conversations
from handoff.chat.floor import Floor
from handoff.chat.queueing import ChatQueue
from handoff.engineering.misslog import MissLog
from handoff.session import SessionState

log = logging.getLogger(__name__)

KBDraft = Callable[[str, str, str], str]
"""Creates a draft KB entry (question, category, answer) for review; returns its id."""


class AgentDesk:
    def __init__(self, conversations: Conversations, queue: ChatQueue, floor: Floor, assignment: Assignment,
                 misslog: MissLog | None = None, kb_draft: KBDraft | None = None) -> None:
        self.conversations = conversations
        self.store = conversations.store
        self.relay = conversations.relay
        self.queue = queue
        self.floor = floor
        self.assignment = assignment
        self.misslog = misslog
        self.kb_draft = kb_draft

    async def agent_connected(self, username: str, capacity: int) -> list[str]:
        """Register a socket of the agent on this process; returns the agent's current chats."""
        await self.floor.agent_connected(username, capacity)
        await self.queue.broadcast()
        return await self.store.agent_chats(username)

    async def agent_disconnected(self, username: str) -> None:
        if await self.floor.agent_disconnected(username):
            await self.queue.broadcast()

    async def agent_gone(self, username: str) -> None:
        """The agent stayed away past the grace period: their chats go to the front of the queue."""
        if self.floor.agent_here(username):
            return
        for conversation_id in await self.store.agent_chats(username):
            conversation = await self.store.get_conversation(conversation_id)
            if conversation and conversation["state"] == SessionState.WITH_AGENT and conversation["agent"] == username:
                await self.conversations.system_say(conversation, "客服人員連線中斷，正在為您重新轉接，請稍候。", "queued")
                await self.queue.enqueue(conversation_id, front=True)
        await self.queue.broadcast()

    async def agent_message(self, username: str, conversation_id: str, text: str,
                            kb_id: str | None = None) -> dict[str, Any]:
        async with self.conversations.lock(conversation_id):
            conversation = await self.conversations.agent_chat(username, conversation_id)
            message = await self.store.add_message(conversation_id, "agent", text, kind="agent",
                                                   payload={"kb_id": kb_id} if kb_id else None, agent=username,
                                                   counters={"agent_turns": 1})
            await self.relay.message(conversation, message)
            if not conversation.get("first_reply_at"):  # answer speed: queued → the agent's first words
                await self.store.first_reply(conversation_id, message["created_at"])
                await self.relay.floor_changed()
            if kb_id and self.misslog:
                await self.misslog.suggest_label(conversation_id, kb_id)
            return message

    async def agent_typing(self, username: str, conversation_id: str) -> None:
        """The agent is writing: the citizen's widget shows it (only for the agent's own chat)."""
        await self.conversations.agent_chat(username, conversation_id)
        await self.relay.to_citizen(conversation_id, {"type": "typing", "sender": "agent"})

    async def agent_close(self, username: str, conversation_id: str, wrapup: dict[str, Any]) -> None:
        conversation = await self.conversations.agent_chat(username, conversation_id)
        fields = wrapup_fields(wrapup)
        if fields["faq_needed"] and self.kb_draft is not None:  # a draft KB entry for a supervisor's review
            try:
                fields["kb_draft_id"] = self.kb_draft(fields["summary"] or await self.store.last_question(
                    conversation_id) or "（待補問題）", fields["category"] or "其他", fields["answer"] or "")
            except Exception:  # the chat closes either way; the tick stays on the record
                log.exception("wrap-up of %s: the KB draft was not created", conversation_id)
        await self.store.add_wrapup(conversation_id, username, **fields)
        if conversation["assigned_at"]:
            self.queue.record_handle_time(timestamp() - conversation["assigned_at"])
        await self.queue.finish(conversation, outcome="agent_resolved", reason="agent")
        await self.assignment.set_agent_state(username, AgentState.WRAPUP)


def wrapup_fields(wrapup: dict[str, Any]) -> dict[str, Any]:
    """The wrap-up form as stored: the seed's 表1 fields, trimmed to their column sizes."""
    def text(name: str, limit: int) -> str | None:
        return str(wrapup.get(name) or "").strip()[:limit] or None

    return {"category": text("category", 100), "summary": text("summary", 2000), "answer": text("answer", 4000),
            "citizen_name": text("citizen_name", 100), "citizen_phone": text("citizen_phone", 40),
            "case_needed": bool(wrapup.get("case_needed")), "faq_needed": bool(wrapup.get("faq_needed"))}
