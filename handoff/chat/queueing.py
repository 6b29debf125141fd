"""The queue: chats waiting for an agent, what every waiting citizen and the agents are told about
it, and the two ways out of it that are not an assignment (back to the bot, closed).

The database row is the record (``state = queued``); the ``QueueBackend`` is an index over it that
``reconcile`` makes exact again after a Redis restart or a process's death.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from bot.dialogue import callback_form, survey_form
from bot.hours import timestamp
from bot.pii import mask
from handoff.chat.config import HubConfig
from handoff.chat.conversations import Conversations
from handoff.chat.floor import Floor
from handoff.queue import QueueBackend, estimated_wait_seconds
from handoff.session import SessionState

log = logging.getLogger(__name__)

AGENT_VIEW_ENTRIES = 50  # the agents see the head of the line and how many wait in all
NO_AGENT_TEXT = ("目前沒有客服人員可以立即為您服務，無法預估等候時間。您可以繼續等候，"
                 "或留下姓名、電話與問題，由專人回電給您。")


class ChatQueue:
    def __init__(self, conversations: Conversations, backend: QueueBackend, floor: Floor, config: HubConfig) -> None:
        self.conversations = conversations
        self.store = conversations.store
        self.relay = conversations.relay
        self.backend = backend
        self.floor = floor
        self.config = config
        self._handle_times: deque[float] = deque(maxlen=50)
        self._waiting: dict[str, tuple[float, str]] = {}
        self._claiming: set[str] = set()
        self._broadcasting = False
        self._changed_since = False
        self._last_broadcast = 0.0
        self._trailing: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def claiming(self, conversation_id: str) -> Iterator[None]:
        """While a popped chat is being assigned, ``reconcile`` neither removes nor re-adds it."""
        self._claiming.add(conversation_id)
        try:
            yield
        finally:
            self._claiming.discard(conversation_id)

    async def reconcile(self) -> int:
        """Make the queue backend exactly the chats whose row says ``queued``: put back the missing
        (after a Redis restart), drop ghosts (a chat that left, was abandoned or taken). Rows are
        read fresh, never from a snapshot taken before the sweep's own changes; returns the changes."""
        present = await self.backend.waiting()
        queued = await self.store.conversations_in_states([SessionState.QUEUED])
        ids = {r["id"] for r in queued}
        ghosts = [c for c in present if c not in ids and c not in self._claiming]
        for conversation_id in ghosts:
            await self.backend.remove(conversation_id)
        missing = [r for r in queued if r["id"] not in set(present) and r["id"] not in self._claiming]
        for row in sorted(missing, key=lambda r: (not r["front_of_queue"], r["queued_at"] or 0)):
            await self.backend.enqueue(row["id"], front=bool(row["front_of_queue"]), queued_at=row["queued_at"])
        if missing:  # one may have left while it was being put back: look once more
            for row in missing:
                now = await self.store.get_conversation(row["id"])
                if now is None or now["state"] != SessionState.QUEUED:
                    await self.backend.remove(row["id"])
        if missing or ghosts:
            log.info("queue: %d queued chats put back, %d ghost entries removed", len(missing), len(ghosts))
            await self.broadcast()
        return len(missing) + len(ghosts)

    async def enqueue(self, conversation_id: str, front: bool = False) -> None:
        conversation = await self.conversations.get(conversation_id)
        values: dict[str, Any] = {"front_of_queue": front, "agent": None}
        if not conversation["queued_at"]:
            values["queued_at"] = timestamp()
        await self.conversations.change_state(conversation, SessionState.QUEUED, **values)
        try:
            await self.backend.enqueue(conversation_id, front=front, queued_at=values.get("queued_at")
                                       or conversation["queued_at"])
        except Exception as exc:  # noqa: BLE001 (any backend failure) the row says queued; the sweeper puts it in the shared queue
            log.warning("queue backend unavailable (%s); %s will be re-added", exc, conversation_id)
        number = await self.store.assign_number(conversation_id)
        await self.relay.state(conversation_id, SessionState.QUEUED, number=number)
        if not front and not await self.floor.ready_agents():  # never a made-up wait: say so, offer a callback
            await self.conversations.system_say(conversation, NO_AGENT_TEXT, "no_agent", form=callback_form())
        await self.broadcast()

    async def leave(self, conversation: dict[str, Any], target: SessionState) -> None:
        """Out of the queue without an agent (back to the bot at closing time)."""
        await self.conversations.change_state(conversation, target)  # the record first: the sweeper's
        with contextlib.suppress(Exception):  # reconcile then never puts it back
            await self.backend.remove(conversation["id"])
        await self.relay.state(conversation["id"], target)
        await self.broadcast()

    async def finish(self, conversation: dict[str, Any], outcome: str, reason: str) -> None:
        """Close the chat from any open state: the record, the queue index, the agent, the citizen."""
        agent = conversation.get("agent")
        await self.conversations.change_state(conversation, SessionState.CLOSED, closed_at=timestamp(),
                                              outcome=outcome)  # the record first, then the queue index
        with contextlib.suppress(Exception):  # unreachable now: the sweeper's reconcile removes it
            await self.backend.remove(conversation["id"])
        if agent and conversation["state"] == SessionState.WITH_AGENT:
            await self.relay.to_agent(agent, {"type": "closed", "conversation_id": conversation["id"], "reason": reason})
        conversation = {**conversation, "state": SessionState.CLOSED}
        if outcome == "agent_resolved":
            await self.conversations.system_say(conversation, "感謝您的耐心，本次對話已結束。請為本次服務評分：",
                                                "survey", form=survey_form())
        await self.relay.state(conversation["id"], SessionState.CLOSED)
        await self.broadcast()

    # what the waiting are told ----------------------------------------------------------------------
    def record_handle_time(self, seconds: float) -> None:
        self._handle_times.append(seconds)

    def handle_seconds(self) -> float:
        return sum(self._handle_times) / len(self._handle_times) if self._handle_times else self.config.default_handle_seconds

    def frame(self, position: int, ready: dict[str, int]) -> dict[str, Any]:
        """The ``queue`` frame of the citizen at ``position``."""
        if not ready:  # nobody to answer: no estimate, and the widget offers a callback
            return {"type": "queue", "position": position, "estimated_wait_seconds": None, "agents_ready": 0}
        capacity = max(ready.values())
        return {"type": "queue", "position": position, "agents_ready": len(ready),
                "estimated_wait_seconds": estimated_wait_seconds(position, len(ready), capacity, self.handle_seconds())}

    async def status(self, conversation_id: str) -> dict[str, Any]:
        """The ``queue`` frame for one waiting citizen."""
        return self.frame(await self.backend.position(conversation_id) or 1, await self.floor.ready_agents())

    def citizen_wrote(self, conversation_id: str, text: str) -> None:
        """A waiting citizen's new words become the preview in the agents' queue view."""
        if conversation_id in self._waiting and not text.startswith("/"):
            self._waiting[conversation_id] = (self._waiting[conversation_id][0], mask(text)[:60])

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

    async def broadcast(self) -> None:
        """Every waiting citizen their position, the agents the head of the line, the wallboard a nudge.

        Coalesced: a change while a broadcast is under way, or within
        ``config.queue_broadcast_gap_seconds`` of the last one, is folded into one trailing
        broadcast. Each broadcast goes to every agent and every waiting citizen, so one per change
        made a burst of N handoffs cost N × (agents + waiting) frames (bench/load.py: 600 handoffs
        with 200 agents closed the agents' sockets)."""
        self._changed_since = True
        if self._broadcasting or self._trailing is not None:  # the sending or pending one takes it
            return
        wait = self._last_broadcast + self.config.queue_broadcast_gap_seconds - time.monotonic()
        if wait > 0:
            self._trailing = asyncio.create_task(self._broadcast_later(wait))
            return
        await self._broadcast_now()

    async def close(self) -> None:
        """Cancel a pending trailing broadcast (the server is stopping)."""
        if self._trailing is not None:
            self._trailing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._trailing
            self._trailing = None

    async def _broadcast_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._trailing = None
        try:
            await self._broadcast_now()
        except Exception:  # a background task: nobody awaits it, so say it here
            log.exception("queue broadcast failed")

    async def _broadcast_now(self) -> None:
        self._broadcasting, self._changed_since = True, False
        self._last_broadcast = time.monotonic()
        try:
            await self._send_views()
        finally:
            self._broadcasting = False
        if self._changed_since and self._trailing is None:  # changes came while sending
            self._trailing = asyncio.create_task(self._broadcast_later(self.config.queue_broadcast_gap_seconds))

    async def _send_views(self) -> None:
        try:
            waiting = await self.backend.waiting()
            online = await self.floor.online_agents()
            ready = await self.floor.ready_agents()
        except Exception as exc:  # noqa: BLE001 the shared queue is unreachable (Redis restarting): try next change
            log.warning("queue view not sent: %s", exc)
            return
        for gone in set(self._waiting) - set(waiting):
            del self._waiting[gone]
        entries = []
        now = timestamp()
        for position, conversation_id in enumerate(waiting, start=1):
            await self.relay.to_citizen(conversation_id, self.frame(position, ready))
            if position <= AGENT_VIEW_ENTRIES:
                queued_at, preview = await self._waiting_entry(conversation_id)
                entries.append({"conversation_id": conversation_id, "position": position,
                                "waited_seconds": round(now - queued_at, 1), "preview": preview})
        await self.relay.to_agents({"type": "queue", "entries": entries, "waiting": len(waiting),
                                    "agents_online": len(online), "agents_ready": len(ready)})
        await self.relay.floor_changed()
