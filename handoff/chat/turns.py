"""The citizen's side of a chat: opening and resuming it, each message (NLU and the dialogue policy
while the bot has the chat; to the agent once handed off), callbacks, the survey, 👍/👎, leaving.

Order of work for each inbound message: commit it to the store, acknowledge it, publish it, then act.
"""
from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.dialogue import THANKS_CLOSING, DialogueState, HotlinePolicy, Reply
from bot.hours import Clock, StaffedHours, timestamp
from bot.intents import CONVERSATION_INTENTS
from bot.pii import mask
from handoff.auth import digest, new_token
from handoff.chat.conversations import Conversations, HubError, bot_rows
from handoff.chat.floor import Floor
from handoff.chat.queueing import ChatQueue
from handoff.engineering.misslog import MissLog
from handoff.nlu_service import NLUService
from handoff.session import SessionState

log = logging.getLogger(__name__)

BUTTON_PAYLOADS = {"/handoff_yes", "/handoff_no", "/callback"}


class ChatTurns:
    def __init__(self, conversations: Conversations, queue: ChatQueue, floor: Floor, nlu: NLUService,
                 policy: HotlinePolicy, hours: StaffedHours, clock: Clock, misslog: MissLog | None = None) -> None:
        self.conversations = conversations
        self.store = conversations.store
        self.relay = conversations.relay
        self.queue = queue
        self.floor = floor
        self.nlu = nlu
        self.policy = policy
        self.hours = hours
        self.clock = clock
        self.misslog = misslog

    async def open_conversation(self, conversation_id: str | None, token: str | None,
                                channel: str = "websocket") -> tuple[dict[str, Any], str, bool]:
        """Resume with id + token, or start a new conversation (greeting included)."""
        if conversation_id:
            conversation = await self.store.get_conversation(conversation_id)
            if conversation is None or not token or digest(token) != conversation["token_hash"]:
                raise HubError("bad_token", "unknown conversation or wrong token")
            return conversation, token, True
        token = new_token("t")
        conversation_id = "c_" + secrets.token_hex(12)
        conversation, greeting = await self.store.open_conversation(  # one commit for the chat and its greeting
            conversation_id, digest(token), channel, bot_rows([self.policy.greet()]))
        await self.conversations.publish_bot(conversation_id, greeting)
        return conversation, token, False

    async def citizen_gone(self, conversation_id: str) -> None:
        """No citizen connection anywhere for the grace period: a queued or assigned chat is abandoned."""
        if self.floor.citizen_here(conversation_id):
            return
        conversation = await self.store.get_conversation(conversation_id)
        if not conversation or conversation["state"] not in (SessionState.QUEUED, SessionState.WITH_AGENT):
            return
        await self.queue.finish(conversation, outcome="abandoned", reason="abandoned")

    async def citizen_leave(self, conversation_id: str) -> None:
        """The citizen ends the chat (「結束對話」 / 離開排隊): out of the queue at once, the agent told."""
        async with self.conversations.lock(conversation_id):
            conversation = await self.conversations.get(conversation_id)
            if conversation["state"] == SessionState.CLOSED:
                return
            outcome = "abandoned" if conversation["state"] != SessionState.BOT else "citizen_left"
            await self.queue.finish(conversation, outcome=outcome, reason="citizen_left")

    async def citizen_message(self, conversation_id: str, text: str,
                              on_stored: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Store the citizen's message (``on_stored`` runs once it is committed: the ack), then
        let the bot answer or relay it to the agent."""
        async with self.conversations.lock(conversation_id):
            conversation = await self.conversations.get(conversation_id)
            if conversation["state"] == SessionState.CLOSED:
                raise HubError("bad_state", "this conversation has ended; start a new one")
            message = await self.store.add_message(conversation_id, "citizen", text, counters={"citizen_turns": 1})
            if on_stored:
                on_stored(message)
            await self.relay.message(conversation, message)
            if conversation["state"] == SessionState.BOT:
                await self._bot_turn(conversation, text, message["seq"])
            else:
                self.queue.citizen_wrote(conversation_id, text)
            return message

    async def citizen_typing(self, conversation_id: str) -> None:
        """The citizen is writing: the agent who has the chat sees it (nobody else)."""
        conversation = await self.store.get_conversation(conversation_id)
        if conversation and conversation["agent"] and conversation["state"] == SessionState.WITH_AGENT:
            await self.relay.to_agent(conversation["agent"], {"type": "typing", "sender": "citizen",
                                                              "conversation_id": conversation_id})

    async def _understand(self, text: str) -> dict[str, Any]:
        if text.startswith("/"):
            name = text[1:].strip()
            if text in BUTTON_PAYLOADS or name in CONVERSATION_INTENTS or self.policy.lookup(name):
                intent = text if text in BUTTON_PAYLOADS else name
                return {"text": text, "intent": {"name": intent, "confidence": 1.0},
                        "intent_ranking": [{"name": intent, "confidence": 1.0}], "fallback": False,
                        "fallback_reason": None}
        return await self.nlu.parse(text)

    async def _bot_turn(self, conversation: dict[str, Any], text: str, citizen_seq: int) -> None:
        parse = await self._understand(text)
        state = DialogueState.from_dict(json.loads(conversation["dialogue"] or "{}"))
        decision = self.policy.decide(state, parse, self.hours.accepts_handoff(self.clock.now()))
        log.info("turn %s intent=%s conf=%.2f fallback=%s text=%s", conversation["id"], parse["intent"]["name"],
                 parse["intent"]["confidence"], parse.get("fallback_reason"), mask(text)[:80])
        stored = await self.conversations.bot_store(conversation["id"], decision.replies, answered=decision.answered,
                                                    updates={"dialogue": json.dumps(state.to_dict()),
                                                             "last_intent": parse["intent"]["name"]})
        if self.misslog:  # logged before the citizen sees the reply, so the log is never behind
            await self.misslog.record(conversation["id"], citizen_seq, stored[0]["seq"] if stored else None, text,
                                      parse, decision.answered, self.nlu.version)
        await self.conversations.publish_bot(conversation["id"], stored)
        if decision.action == "queue":
            if self.misslog:
                await self.misslog.mark_last_question(conversation["id"], "handoff")
            await self.queue.enqueue(conversation["id"])

    async def callback(self, conversation_id: str, name: str, phone: str, question: str, consent: bool) -> int:
        if not consent:
            raise HubError("consent_required", "請勾選同意提供聯絡資料，我們才能回電給您")
        if not (name.strip() and phone.strip() and question.strip()):
            raise HubError("missing_fields", "請填寫姓名、電話與問題")
        conversation = await self.conversations.get(conversation_id)
        callback_id = await self.store.add_callback(conversation_id, name.strip()[:100], phone.strip()[:40],
                                                    question.strip()[:2000], due_at=self.next_staffed_time())
        number = next((c["number"] for c in await self.store.callbacks_for(conversation_id)
                       if c["id"] == callback_id), callback_id)
        await self.conversations.bot_say(conversation_id, [Reply(
            f"已收到您的回電需求（編號 {number}），我們將於服務時間（{self.hours.describe()}）與您聯繫。"
            "還有其他問題需要為您服務嗎？", "callback_saved")])
        await self.relay.floor_changed()
        if conversation["state"] == SessionState.QUEUED:  # queue closed for the day: back to the bot
            await self.queue.leave(conversation, SessionState.BOT)
        return callback_id

    def next_staffed_time(self) -> float:
        """Now when staffed; else the next opening (15-minute steps): when a callback falls due."""
        moment = self.clock.now()
        for _ in range(8 * 24 * 4):
            if self.hours.is_open(moment):
                return moment.timestamp()
            moment = moment + timedelta(minutes=15)
        return self.clock.now().timestamp()

    async def close_queue_for_the_day(self) -> int:
        """At closing time: everyone still queued is offered a callback; returns how many."""
        count = 0
        for conversation_id in await self.queue.backend.waiting():
            conversation = await self.conversations.get(conversation_id)
            if conversation["state"] != SessionState.QUEUED:
                continue
            await self.queue.leave(conversation, SessionState.BOT)
            offer = self.policy.callback_offer(DialogueState()).replies[0]
            await self.conversations.bot_say(conversation_id, [offer])
            count += 1
        return count

    async def survey(self, conversation_id: str, score: int, comment: str | None) -> None:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise HubError("bad_score", "score must be an integer from 1 to 5")
        async with self.conversations.lock(conversation_id):
            conversation = await self.conversations.get(conversation_id)
            awaiting = DialogueState.from_dict(json.loads(conversation["dialogue"] or "{}")).awaiting == "survey"
            if conversation["state"] != SessionState.CLOSED and not awaiting:
                raise HubError("bad_state", "the survey comes at the end of the conversation")
            if not await self.store.add_survey(conversation_id, score, (comment or "")[:1000] or None):
                raise HubError("bad_state", "this conversation already has a survey")
            await self.conversations.bot_say(conversation_id, [Reply(THANKS_CLOSING, "goodbye")])
            if conversation["state"] == SessionState.BOT:
                await self.conversations.change_state(conversation, SessionState.CLOSED, closed_at=timestamp(),
                                                      outcome="bot_resolved")
                await self.relay.state(conversation_id, SessionState.CLOSED)

    async def feedback(self, conversation_id: str, seq: int, helpful: bool) -> None:
        await self.conversations.get(conversation_id)
        await self.store.add_feedback(conversation_id, seq, helpful)
        if not helpful and self.misslog:
            await self.misslog.mark_unhelpful(conversation_id, seq)
