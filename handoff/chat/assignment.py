"""Assignment: a ready agent takes the next queued chat, or hands one of theirs to a colleague."""
from __future__ import annotations

import logging
from typing import Any

from handoff.agent_states import AgentState
from handoff.chat.conversations import Conversations, HubError
from handoff.chat.floor import Floor
from handoff.chat.queueing import ChatQueue
from handoff.chat.relay import message_event
from handoff.session import SessionState

log = logging.getLogger(__name__)


class Assignment:
    def __init__(self, conversations: Conversations, queue: ChatQueue, floor: Floor) -> None:
        self.conversations = conversations
        self.store = conversations.store
        self.relay = conversations.relay
        self.queue = queue
        self.floor = floor

    async def set_agent_state(self, username: str, state: str, reason: str | None = None) -> dict[str, Any]:
        """The agent changed state: told back, estimates and the wallboard updated."""
        current = await self.floor.set_agent_state(username, state, reason)
        await self.queue.broadcast()
        return current

    async def accept(self, username: str) -> dict[str, Any] | None:
        """Assign the next queued chat to the agent; returns the assignment, or None. Only a ready
        agent takes chats; taking one ends after-chat work."""
        current = await self.floor.agent_state(username)
        if current["state"] in (AgentState.BREAK, AgentState.OFFLINE):
            raise HubError("not_ready", "您目前不是「就緒」狀態，請先切換為就緒再接聽")
        if current["state"] == AgentState.WRAPUP:
            await self.set_agent_state(username, AgentState.READY)
        if len(await self.store.agent_chats(username)) >= self.floor.capacity(username):
            raise HubError("at_capacity", "you are at your chat capacity")
        while True:
            try:
                conversation_id = await self.queue.backend.pop_next()
            except Exception as exc:
                log.warning("queue unavailable: %s", exc)
                raise HubError("queue_unavailable", "the queue is briefly unavailable; try again") from exc
            if conversation_id is None:
                return None
            assignment = await self._assign(conversation_id, username)
            if assignment is not None:
                return assignment  # else: stale entry (already taken or left); take the next one

    async def _assign(self, conversation_id: str, username: str) -> dict[str, Any] | None:
        with self.queue.claiming(conversation_id):
            conversation = await self.store.claim(conversation_id, username)
        if conversation is None:
            return None
        await self.relay.state(conversation_id, SessionState.WITH_AGENT, agent=username)
        assignment = {"type": "assigned", "conversation_id": conversation_id,
                      "transcript": await self.transcript(conversation_id),
                      "waited_seconds": conversation.get("wait_seconds"), "number": conversation.get("number")}
        await self.relay.to_agent(username, assignment)
        await self.conversations.system_say(conversation, f"客服人員 {username} 已加入對話，很高興為您服務。", "agent")
        await self.queue.broadcast()
        return assignment

    async def transcript(self, conversation_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
        """The chat's messages as an agent's console shows them."""
        return [message_event(m, conversation_id) for m in await self.store.messages_since(conversation_id, after_seq)]

    async def transfer(self, username: str, conversation_id: str, to: str) -> None:
        await self.conversations.agent_chat(username, conversation_id)
        online = await self.floor.online_agents()
        if to not in online or to == username:
            raise HubError("no_such_agent", f"agent {to} is not online")
        if (await self.floor.agent_state(to))["state"] not in (AgentState.READY, AgentState.WRAPUP):
            raise HubError("not_ready", f"agent {to} is not ready (on a break)")
        if len(await self.store.agent_chats(to)) >= online[to]:
            raise HubError("at_capacity", f"agent {to} has no free chat slot")
        await self.store.update_conversation(conversation_id, agent=to)
        await self.relay.state(conversation_id, SessionState.WITH_AGENT, agent=to)  # the citizen's header names `to`
        await self.relay.to_agent(username, {"type": "closed", "conversation_id": conversation_id,
                                             "reason": "transferred"})
        conversation = await self.conversations.get(conversation_id)
        await self.conversations.system_say(conversation, f"已為您轉接給客服人員 {to}。", "agent")
        await self.relay.to_agent(to, {"type": "assigned", "conversation_id": conversation_id,
                                       "transcript": await self.transcript(conversation_id),
                                       "transferred_from": username, "number": conversation.get("number")})
