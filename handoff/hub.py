"""The conversation hub: every citizen and agent action, from storage to the relay.

Order of work for each inbound message: commit it to the store, acknowledge it, publish it, then
act (NLU + dialogue policy while the bot has the chat; relay to the agent once handed off).

The database is the record of every chat's state; the queue (``QueueBackend``), presence
(``PresenceBackend``) and relay (``Broker``) are shared indexes over it — in memory for one process,
in Redis for several. Heartbeats and the sweep of grace periods live in handoff/housekeeping.py,
so neither a ``kill -9`` of a process nor a Redis restart loses a place in line.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from datetime import timedelta
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.dialogue import THANKS_CLOSING, DialogueState, HotlinePolicy, Reply, callback_form, survey_form
from bot.hours import Clock, StaffedHours, timestamp
from bot.intents import CONVERSATION_INTENTS
from bot.pii import mask
from handoff.agent_states import AgentState, AgentStates, effective
from handoff.auth import digest, new_token
from handoff.broker import Broker
from handoff.housekeeping import Housekeeper
from handoff.nlu_service import NLUService
from handoff.presence import PresenceBackend
from handoff.queue import QueueBackend, estimated_wait_seconds
from handoff.session import SessionState, check_transition
from handoff.storage.misslog import MissLog
from handoff.storage.store import SQLConversationStore

log = logging.getLogger(__name__)

BUTTON_PAYLOADS = {"/handoff_yes", "/handoff_no", "/callback"}


class HubError(Exception):
    """A request the hub refuses; ``code`` goes into the error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class HubConfig:
    agent_grace_seconds: float = 30.0
    citizen_grace_seconds: float = 120.0
    default_handle_seconds: float = 180.0
    default_capacity: int = 3
    heartbeat_seconds: float = 1.0
    closing_check_seconds: float = 30.0
    wrapup_seconds: float = 60.0  # after-chat work before an agent counts as ready again

    @property
    def presence_ttl(self) -> float:
        return self.heartbeat_seconds * 3

    @property
    def sweep_seconds(self) -> float:
        return max(0.1, min(1.0, self.agent_grace_seconds / 4, self.citizen_grace_seconds / 4))


def conversation_channel(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def agent_channel(username: str) -> str:
    return f"agent:{username}"


AGENTS_CHANNEL = "agents"
FLOOR_CHANNEL = "floor"  # "something changed on the floor": the supervisors' wallboard recomputes
NO_AGENT_TEXT = ("目前沒有客服人員可以立即為您服務，無法預估等候時間。您可以繼續等候，"
                 "或留下姓名、電話與問題，由專人回電給您。")


def message_event(message: dict[str, Any], conversation_id: str | None = None) -> dict[str, Any]:
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


@dataclass
class Hub:
    store: SQLConversationStore
    broker: Broker
    queue: QueueBackend
    presence: PresenceBackend
    nlu: NLUService
    policy: HotlinePolicy
    hours: StaffedHours
    clock: Clock
    config: HubConfig = field(default_factory=HubConfig)
    misslog: MissLog | None = None
    _citizen_connections: dict[str, int] = field(default_factory=dict)
    _agent_connections: dict[str, int] = field(default_factory=dict)
    _capacity: dict[str, int] = field(default_factory=dict)
    _handle_times: deque[float] = field(default_factory=lambda: deque(maxlen=50))
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _waiting: dict[str, tuple[float, str]] = field(default_factory=dict)
    _claiming: set[str] = field(default_factory=set)
    _housekeeper: Housekeeper | None = None
    states: AgentStates | None = None
    kb_draft: Callable[[str, str, str], str] | None = None
    """Creates a draft KB entry (question, category, answer) for review; set by the app."""

    def __post_init__(self) -> None:
        if self.states is None:
            self.states = AgentStates(self.store.db, self.config.wrapup_seconds)

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        """One turn at a time per conversation, so bot replies keep their order."""
        return self._locks.setdefault(conversation_id, asyncio.Lock())

    # start-up and background work -------------------------------------------------------------
    async def start(self) -> None:
        """Put queued chats back in the queue backend, then heartbeat and sweep until closed."""
        await self.broker.start()
        try:
            await self.reconcile()
        except Exception as exc:  # e.g. Redis not up yet: the sweeper reconciles once it is
            log.warning("queue not restored at start-up (%s); the sweeper will retry", exc)
        self._housekeeper = Housekeeper(self)
        self._housekeeper.start()

    async def close(self) -> None:
        if self._housekeeper is not None:
            await self._housekeeper.close()

    def local_connections(self) -> tuple[list[str], dict[str, int]]:
        """Citizens (conversation ids) and agents (with capacity) connected to this process."""
        agents = {a: self._capacity.get(a, self.config.default_capacity) for a in self._agent_connections}
        return list(self._citizen_connections), agents

    async def reconcile(self) -> int:
        """Make the queue backend exactly the chats whose row says ``queued``: put back the missing
        (after a Redis restart), drop ghosts (a chat that left, was abandoned or taken). Rows are
        read fresh, never from a snapshot taken before the sweep's own changes; returns the changes."""
        present = await self.queue.waiting()
        queued = await self.store.conversations_in_states([SessionState.QUEUED])
        ids = {r["id"] for r in queued}
        ghosts = [c for c in present if c not in ids and c not in self._claiming]
        for conversation_id in ghosts:
            await self.queue.remove(conversation_id)
        missing = [r for r in queued if r["id"] not in set(present) and r["id"] not in self._claiming]
        for row in sorted(missing, key=lambda r: (not r["front_of_queue"], r["queued_at"] or 0)):
            await self.queue.enqueue(row["id"], front=bool(row["front_of_queue"]), queued_at=row["queued_at"])
        if missing:  # one may have left while it was being put back: look once more
            for row in missing:
                now = await self.store.get_conversation(row["id"])
                if now is None or now["state"] != SessionState.QUEUED:
                    await self.queue.remove(row["id"])
        if missing or ghosts:
            log.info("queue: %d queued chats put back, %d ghost entries removed", len(missing), len(ghosts))
            await self.broadcast_queue()
        return len(missing) + len(ghosts)

    # citizens ---------------------------------------------------------------------------------
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
        conversation = await self.store.create_conversation(conversation_id, digest(token), channel)
        await self._bot_say(conversation_id, [self.policy.greet()])
        return conversation, token, False

    async def citizen_connected(self, conversation_id: str) -> None:
        self._citizen_connections[conversation_id] = self._citizen_connections.get(conversation_id, 0) + 1
        with contextlib.suppress(Exception):  # presence is refreshed by the heartbeat anyway
            await self.presence.beat("citizen", [conversation_id], self.config.presence_ttl)

    async def citizen_disconnected(self, conversation_id: str) -> None:
        left = self._citizen_connections.get(conversation_id, 1) - 1
        if left > 0:
            self._citizen_connections[conversation_id] = left
            return
        self._citizen_connections.pop(conversation_id, None)
        self._locks.pop(conversation_id, None)
        with contextlib.suppress(Exception):
            await self.presence.drop("citizen", conversation_id)

    async def citizen_gone(self, conversation_id: str) -> None:
        """No citizen connection anywhere for the grace period: a queued or assigned chat is abandoned."""
        if self._citizen_connections.get(conversation_id):
            return
        conversation = await self.store.get_conversation(conversation_id)
        if not conversation or conversation["state"] not in (SessionState.QUEUED, SessionState.WITH_AGENT):
            return
        await self._finish(conversation, outcome="abandoned", reason="abandoned")

    async def citizen_leave(self, conversation_id: str) -> None:
        """The citizen ends the chat (「結束對話」 / 離開排隊): out of the queue at once, the agent told."""
        async with self._lock(conversation_id):
            conversation = await self._get(conversation_id)
            if conversation["state"] == SessionState.CLOSED:
                return
            outcome = "abandoned" if conversation["state"] != SessionState.BOT else "citizen_left"
            await self._finish(conversation, outcome=outcome, reason="citizen_left")

    async def citizen_message(self, conversation_id: str, text: str,
                              on_stored: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
        """Store the citizen's message (``on_stored`` runs once it is committed: the ack), then
        let the bot answer or relay it to the agent."""
        async with self._lock(conversation_id):
            conversation = await self._get(conversation_id)
            if conversation["state"] == SessionState.CLOSED:
                raise HubError("bad_state", "this conversation has ended; start a new one")
            message = await self.store.add_message(conversation_id, "citizen", text, counters={"citizen_turns": 1})
            if on_stored:
                on_stored(message)
            await self._publish_message(conversation, message)
            if conversation["state"] == SessionState.BOT:
                await self._bot_turn(conversation, text, message["seq"])
            elif conversation_id in self._waiting and not text.startswith("/"):
                self._waiting[conversation_id] = (self._waiting[conversation_id][0], mask(text)[:60])
            return message

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
        stored = await self._bot_store(conversation["id"], decision.replies, answered=decision.answered,
                                       updates={"dialogue": json.dumps(state.to_dict()),
                                                "last_intent": parse["intent"]["name"]})
        if self.misslog:  # logged before the citizen sees the reply, so the log is never behind
            await self.misslog.record(conversation["id"], citizen_seq, stored[0]["seq"] if stored else None, text,
                                      parse, decision.answered, self.nlu.version)
        await self._publish_bot(conversation["id"], stored)
        if decision.action == "queue":
            if self.misslog:
                await self.misslog.mark_last_question(conversation["id"], "handoff")
            await self.enqueue(conversation["id"])

    async def _bot_store(self, conversation_id: str, replies: list[Reply], answered: bool = False,
                         updates: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Store the bot's replies (and conversation updates) in one transaction."""
        rows = [(reply.text, reply.kind, {k: v for k, v in
                 {"buttons": reply.buttons, "form": reply.form, "intent": reply.intent}.items() if v})
                for reply in replies]
        counters = {"bot_turns": len(replies), **({"answered_turns": 1} if answered else {})}
        return await self.store.add_bot_messages(conversation_id, rows, counters, updates or {})

    async def _publish_bot(self, conversation_id: str, stored: list[dict[str, Any]]) -> None:
        for message in stored:
            await self.broker.publish(conversation_channel(conversation_id), message_event(message))

    async def _bot_say(self, conversation_id: str, replies: list[Reply]) -> None:
        await self._publish_bot(conversation_id, await self._bot_store(conversation_id, replies))

    async def _system_say(self, conversation: dict[str, Any], text: str, kind: str,
                          form: dict[str, Any] | None = None) -> None:
        message = await self.store.add_message(conversation["id"], "system", text, kind=kind,
                                               payload={"form": form} if form else None)
        await self._publish_message(conversation, message)

    async def _publish_message(self, conversation: dict[str, Any], message: dict[str, Any]) -> None:
        await self.broker.publish(conversation_channel(conversation["id"]), message_event(message))
        if conversation["state"] == SessionState.WITH_AGENT and conversation["agent"]:
            await self.broker.publish(agent_channel(conversation["agent"]), message_event(message, conversation["id"]))

    async def callback(self, conversation_id: str, name: str, phone: str, question: str, consent: bool) -> int:
        if not consent:
            raise HubError("consent_required", "請勾選同意提供聯絡資料，我們才能回電給您")
        if not (name.strip() and phone.strip() and question.strip()):
            raise HubError("missing_fields", "請填寫姓名、電話與問題")
        conversation = await self._get(conversation_id)
        callback_id = await self.store.add_callback(conversation_id, name.strip()[:100], phone.strip()[:40],
                                                    question.strip()[:2000], due_at=self.next_staffed_time())
        number = next((c["number"] for c in await self.store.callbacks_for(conversation_id)
                       if c["id"] == callback_id), callback_id)
        await self._bot_say(conversation_id, [Reply(
            f"已收到您的回電需求（編號 {number}），我們將於服務時間（{self.hours.describe()}）與您聯繫。"
            "還有其他問題需要為您服務嗎？", "callback_saved")])
        await self.broker.publish(FLOOR_CHANNEL, {"type": "floor"})
        if conversation["state"] == SessionState.QUEUED:  # queue closed for the day: back to the bot
            await self._leave_queue(conversation, SessionState.BOT)
        return callback_id

    def next_staffed_time(self) -> float:
        """Now when staffed; else the next opening (15-minute steps): when a callback falls due."""
        moment = self.clock.now()
        for _ in range(8 * 24 * 4):
            if self.hours.is_open(moment):
                return moment.timestamp()
            moment = moment + timedelta(minutes=15)
        return self.clock.now().timestamp()

    async def survey(self, conversation_id: str, score: int, comment: str | None) -> None:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise HubError("bad_score", "score must be an integer from 1 to 5")
        async with self._lock(conversation_id):
            conversation = await self._get(conversation_id)
            awaiting = DialogueState.from_dict(json.loads(conversation["dialogue"] or "{}")).awaiting == "survey"
            if conversation["state"] != SessionState.CLOSED and not awaiting:
                raise HubError("bad_state", "the survey comes at the end of the conversation")
            if not await self.store.add_survey(conversation_id, score, (comment or "")[:1000] or None):
                raise HubError("bad_state", "this conversation already has a survey")
            await self._bot_say(conversation_id, [Reply(THANKS_CLOSING, "goodbye")])
            if conversation["state"] == SessionState.BOT:
                check_transition(conversation["state"], SessionState.CLOSED)
                await self.store.update_conversation(conversation_id, state=SessionState.CLOSED,
                                                     closed_at=timestamp(), outcome="bot_resolved")
                await self.broker.publish(conversation_channel(conversation_id),
                                          {"type": "state", "state": SessionState.CLOSED})

    async def feedback(self, conversation_id: str, seq: int, helpful: bool) -> None:
        await self._get(conversation_id)
        await self.store.add_feedback(conversation_id, seq, helpful)
        if not helpful and self.misslog:
            await self.misslog.mark_unhelpful(conversation_id, seq)

    async def _get(self, conversation_id: str) -> dict[str, Any]:
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is None:
            raise HubError("not_found", "unknown conversation")
        return conversation

    # queue ------------------------------------------------------------------------------------
    async def enqueue(self, conversation_id: str, front: bool = False) -> None:
        conversation = await self._get(conversation_id)
        check_transition(conversation["state"], SessionState.QUEUED)
        values: dict[str, Any] = {"state": SessionState.QUEUED, "front_of_queue": front, "agent": None}
        if not conversation["queued_at"]:
            values["queued_at"] = timestamp()
        await self.store.update_conversation(conversation_id, **values)
        try:
            await self.queue.enqueue(conversation_id, front=front, queued_at=values.get("queued_at")
                                     or conversation["queued_at"])
        except Exception as exc:  # the row says queued; the sweeper puts it in the shared queue
            log.warning("queue backend unavailable (%s); %s will be re-added", exc, conversation_id)
        number = await self.store.assign_number(conversation_id)
        await self.broker.publish(conversation_channel(conversation_id),
                                  {"type": "state", "state": SessionState.QUEUED, "number": number})
        if not front and not await self.ready_agents():  # never a made-up wait: say so, offer a callback
            await self._system_say(conversation, NO_AGENT_TEXT, "no_agent", form=callback_form())
        await self.broadcast_queue()

    async def _leave_queue(self, conversation: dict[str, Any], target: SessionState) -> None:
        check_transition(conversation["state"], target)
        await self.store.update_conversation(conversation["id"], state=target)  # the record first: the
        with contextlib.suppress(Exception):  # sweeper's reconcile then never puts it back
            await self.queue.remove(conversation["id"])
        await self.broker.publish(conversation_channel(conversation["id"]), {"type": "state", "state": target})
        await self.broadcast_queue()

    def handle_seconds(self) -> float:
        return sum(self._handle_times) / len(self._handle_times) if self._handle_times else self.config.default_handle_seconds

    async def online_agents(self) -> dict[str, int]:
        """Agents connected to any process, with their chat capacity."""
        online = await self.presence.alive("agent") | set(self._agent_connections)
        capacities = await self.presence.capacities(online)
        return {a: capacities.get(a, self._capacity.get(a, self.config.default_capacity)) for a in online}

    async def agent_floor(self) -> dict[str, dict[str, Any]]:
        """Every agent known to the floor (connected, or with a recorded state) → effective state."""
        online = await self.online_agents()
        rows = await self.states.rows()  # type: ignore[union-attr]
        now = timestamp()
        return {name: {**effective(rows.get(name), name in online, now), "capacity": online.get(name)}
                for name in sorted(set(online) | set(rows))}

    async def ready_agents(self) -> dict[str, int]:
        """Connected agents in state ready, with capacity: the only ones who take chats."""
        floor = await self.agent_floor()
        return {a: s["capacity"] for a, s in floor.items() if s["state"] == AgentState.READY and s["capacity"]}

    def _queue_frame(self, position: int, ready: dict[str, int]) -> dict[str, Any]:
        if not ready:  # nobody to answer: no estimate, and the widget offers a callback
            return {"type": "queue", "position": position, "estimated_wait_seconds": None, "agents_ready": 0}
        capacity = max(ready.values())
        return {"type": "queue", "position": position, "agents_ready": len(ready),
                "estimated_wait_seconds": estimated_wait_seconds(position, len(ready), capacity, self.handle_seconds())}

    async def queue_status(self, conversation_id: str) -> dict[str, Any]:
        """The ``queue`` frame for one waiting citizen."""
        return self._queue_frame(await self.queue.position(conversation_id) or 1, await self.ready_agents())

    async def _waiting_entry(self, conversation_id: str) -> tuple[float, str]:
        """(queued_at, preview of the citizen's last words) for the agents' queue view; read once
        per queued chat and kept, so a queue change does not re-read every waiting transcript."""
        if conversation_id not in self._waiting:
            conversation = await self.store.get_conversation(conversation_id)
            question = await self.store.last_question(conversation_id)
            if question is None:
                recent = await self.store.messages_since(conversation_id, 0)
                said = [m["text"] for m in recent if m["sender"] == "citizen" and not m["text"].startswith("/")]
                question = mask(said[-1]) if said else ""
            self._waiting[conversation_id] = ((conversation or {}).get("queued_at") or timestamp(), question[:60])
        return self._waiting[conversation_id]

    async def broadcast_queue(self) -> None:
        try:
            waiting = await self.queue.waiting()
            online = await self.online_agents()
            ready = await self.ready_agents()
        except Exception as exc:  # the shared queue is unreachable (Redis restarting): try next change
            log.warning("queue view not sent: %s", exc)
            return
        for gone in set(self._waiting) - set(waiting):
            del self._waiting[gone]
        entries = []
        now = timestamp()
        for position, conversation_id in enumerate(waiting, start=1):
            await self.broker.publish(conversation_channel(conversation_id), self._queue_frame(position, ready))
            queued_at, preview = await self._waiting_entry(conversation_id)
            entries.append({"conversation_id": conversation_id, "position": position,
                            "waited_seconds": round(now - queued_at, 1), "preview": preview})
        await self.broker.publish(AGENTS_CHANNEL, {"type": "queue", "entries": entries, "agents_online": len(online),
                                                   "agents_ready": len(ready)})
        await self.broker.publish(FLOOR_CHANNEL, {"type": "floor"})

    async def close_queue_for_the_day(self) -> int:
        """At closing time: everyone still queued is offered a callback; returns how many."""
        count = 0
        for conversation_id in await self.queue.waiting():
            conversation = await self._get(conversation_id)
            if conversation["state"] != SessionState.QUEUED:
                continue
            await self._leave_queue(conversation, SessionState.BOT)
            await self._bot_say(conversation_id, [self.policy._callback_offer(DialogueState()).replies[0]])
            count += 1
        return count

    # agents -----------------------------------------------------------------------------------
    async def agent_connected(self, username: str, capacity: int) -> list[str]:
        """Register a socket of the agent on this process; returns the agent's current chats."""
        self._agent_connections[username] = self._agent_connections.get(username, 0) + 1
        self._capacity[username] = capacity
        with contextlib.suppress(Exception):
            await self.presence.set_capacity(username, capacity)
            await self.presence.beat("agent", [username], self.config.presence_ttl)
        row = await self.states.get(username)  # type: ignore[union-attr]
        if row is None or row["state"] == AgentState.OFFLINE:  # logging in means ready; a break is kept
            await self.states.set(username, AgentState.READY)  # type: ignore[union-attr]
        await self.broadcast_queue()
        return await self.store.agent_chats(username)

    async def agent_disconnected(self, username: str) -> None:
        left = self._agent_connections.get(username, 1) - 1
        if left > 0:
            self._agent_connections[username] = left
            return
        self._agent_connections.pop(username, None)
        with contextlib.suppress(Exception):
            await self.presence.drop("agent", username)
        await self.broadcast_queue()

    async def agent_gone(self, username: str) -> None:
        """The agent stayed away past the grace period: their chats go to the front of the queue."""
        if self._agent_connections.get(username):
            return
        for conversation_id in await self.store.agent_chats(username):
            conversation = await self.store.get_conversation(conversation_id)
            if conversation and conversation["state"] == SessionState.WITH_AGENT and conversation["agent"] == username:
                await self._system_say(conversation, "客服人員連線中斷，正在為您重新轉接，請稍候。", "queued")
                await self.enqueue(conversation_id, front=True)
        await self.broadcast_queue()

    async def agent_state(self, username: str) -> dict[str, Any]:
        online = username in self._agent_connections or username in await self.presence.alive("agent")
        return effective(await self.states.get(username), online, timestamp())  # type: ignore[union-attr]

    async def set_agent_state(self, username: str, state: str, reason: str | None = None) -> dict[str, Any]:
        """The agent changed state from the console: told back, estimates and the wallboard updated."""
        await self.states.set(username, state, reason)  # type: ignore[union-attr]
        current = await self.agent_state(username)
        await self.broker.publish(agent_channel(username), {"type": "status", **current})
        await self.broadcast_queue()
        return current

    async def accept(self, username: str) -> dict[str, Any] | None:
        """Assign the next queued chat to the agent; returns the assignment, or None. Only a ready
        agent takes chats; taking one ends after-chat work."""
        current = await self.agent_state(username)
        if current["state"] in (AgentState.BREAK, AgentState.OFFLINE):
            raise HubError("not_ready", "您目前不是「就緒」狀態，請先切換為就緒再接聽")
        if current["state"] == AgentState.WRAPUP:
            await self.set_agent_state(username, AgentState.READY)
        capacity = self._capacity.get(username, self.config.default_capacity)
        if len(await self.store.agent_chats(username)) >= capacity:
            raise HubError("at_capacity", "you are at your chat capacity")
        while True:
            try:
                conversation_id = await self.queue.pop_next()
            except Exception as exc:
                log.warning("queue unavailable: %s", exc)
                raise HubError("queue_unavailable", "the queue is briefly unavailable; try again") from exc
            if conversation_id is None:
                return None
            assignment = await self._assign(conversation_id, username)
            if assignment is not None:
                return assignment  # else: stale entry (already taken or left); take the next one

    async def _assign(self, conversation_id: str, username: str) -> dict[str, Any] | None:
        self._claiming.add(conversation_id)
        try:
            conversation = await self.store.claim(conversation_id, username)
        finally:
            self._claiming.discard(conversation_id)
        if conversation is None:
            return None
        await self.broker.publish(conversation_channel(conversation_id),
                                  {"type": "state", "state": SessionState.WITH_AGENT, "agent": username})
        transcript = [message_event(m, conversation_id) for m in await self.store.messages_since(conversation_id)]
        assignment = {"type": "assigned", "conversation_id": conversation_id, "transcript": transcript,
                      "waited_seconds": conversation.get("wait_seconds"), "number": conversation.get("number")}
        await self.broker.publish(agent_channel(username), assignment)
        await self._system_say(conversation, f"客服人員 {username} 已加入對話，很高興為您服務。", "agent")
        await self.broadcast_queue()
        return assignment

    async def _agent_chat(self, username: str, conversation_id: str) -> dict[str, Any]:
        conversation = await self._get(conversation_id)
        if conversation["state"] != SessionState.WITH_AGENT or conversation["agent"] != username:
            raise HubError("not_your_chat", "this chat is not assigned to you")
        return conversation

    async def agent_message(self, username: str, conversation_id: str, text: str,
                            kb_id: str | None = None) -> dict[str, Any]:
        async with self._lock(conversation_id):
            conversation = await self._agent_chat(username, conversation_id)
            message = await self.store.add_message(conversation_id, "agent", text, kind="agent",
                                                   payload={"kb_id": kb_id} if kb_id else None, agent=username,
                                                   counters={"agent_turns": 1})
            await self._publish_message(conversation, message)
            if not conversation.get("first_reply_at"):  # answer speed: queued → the agent's first words
                await self.store.first_reply(conversation_id, message["created_at"])
                await self.broker.publish(FLOOR_CHANNEL, {"type": "floor"})
            if kb_id and self.misslog:
                await self.misslog.suggest_label(conversation_id, kb_id)
            return message

    async def transfer(self, username: str, conversation_id: str, to: str) -> None:
        await self._agent_chat(username, conversation_id)
        online = await self.online_agents()
        if to not in online or to == username:
            raise HubError("no_such_agent", f"agent {to} is not online")
        if (await self.agent_state(to))["state"] not in (AgentState.READY, AgentState.WRAPUP):
            raise HubError("not_ready", f"agent {to} is not ready (on a break)")
        if len(await self.store.agent_chats(to)) >= online[to]:
            raise HubError("at_capacity", f"agent {to} has no free chat slot")
        await self.store.update_conversation(conversation_id, agent=to)
        await self.broker.publish(conversation_channel(conversation_id),  # the citizen's header names `to`
                                  {"type": "state", "state": SessionState.WITH_AGENT, "agent": to})
        await self.broker.publish(agent_channel(username),
                                  {"type": "closed", "conversation_id": conversation_id, "reason": "transferred"})
        conversation = await self._get(conversation_id)
        await self._system_say(conversation, f"已為您轉接給客服人員 {to}。", "agent")
        transcript = [message_event(m, conversation_id) for m in await self.store.messages_since(conversation_id)]
        await self.broker.publish(agent_channel(to), {"type": "assigned", "conversation_id": conversation_id,
                                                      "transcript": transcript, "transferred_from": username,
                                                      "number": conversation.get("number")})

    async def agent_close(self, username: str, conversation_id: str, wrapup: dict[str, Any]) -> None:
        conversation = await self._agent_chat(username, conversation_id)
        fields = wrapup_fields(wrapup)
        if fields["faq_needed"] and self.kb_draft is not None:  # a draft KB entry for a supervisor's review
            try:
                fields["kb_draft_id"] = self.kb_draft(fields["summary"] or await self.store.last_question(
                    conversation_id) or "（待補問題）", fields["category"] or "其他", fields["answer"] or "")
            except Exception:  # the chat closes either way; the tick stays on the record
                log.exception("wrap-up of %s: the KB draft was not created", conversation_id)
        await self.store.add_wrapup(conversation_id, username, **fields)
        if conversation["assigned_at"]:
            self._handle_times.append(timestamp() - conversation["assigned_at"])
        await self._finish(conversation, outcome="agent_resolved", reason="agent")
        await self.set_agent_state(username, AgentState.WRAPUP)

    async def _finish(self, conversation: dict[str, Any], outcome: str, reason: str) -> None:
        check_transition(conversation["state"], SessionState.CLOSED)
        agent = conversation.get("agent")
        await self.store.update_conversation(conversation["id"], state=SessionState.CLOSED, closed_at=timestamp(),
                                             outcome=outcome)  # the record first, then the queue index
        with contextlib.suppress(Exception):  # unreachable now: the sweeper's reconcile removes it
            await self.queue.remove(conversation["id"])
        if agent and conversation["state"] == SessionState.WITH_AGENT:
            await self.broker.publish(agent_channel(agent),
                                      {"type": "closed", "conversation_id": conversation["id"], "reason": reason})
        conversation = {**conversation, "state": SessionState.CLOSED}
        if outcome == "agent_resolved":
            await self._system_say(conversation, "感謝您的耐心，本次對話已結束。請為本次服務評分：", "survey",
                                   form=survey_form())
        await self.broker.publish(conversation_channel(conversation["id"]),
                                  {"type": "state", "state": SessionState.CLOSED})
        await self.broadcast_queue()


def wrapup_fields(wrapup: dict[str, Any]) -> dict[str, Any]:
    """The wrap-up form as stored: the seed's 表1 fields, trimmed to their column sizes."""
    def text(name: str, limit: int) -> str | None:
        return str(wrapup.get(name) or "").strip()[:limit] or None

    return {"category": text("category", 100), "summary": text("summary", 2000), "answer": text("answer", 4000),
            "citizen_name": text("citizen_name", 100), "citizen_phone": text("citizen_phone", 40),
            "case_needed": bool(wrapup.get("case_needed")), "faq_needed": bool(wrapup.get("faq_needed"))}
