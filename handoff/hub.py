"""The conversation hub: one object per server process over the chat parts in handoff/chat/.

    relay          channel names and events (handoff/chat/relay.py)
    conversations  look-up, the per-chat lock, state changes, what the bot says (conversations.py)
    floor          sockets here, presence everywhere, agents' states (floor.py)
    chat_queue     the queue and what the waiting are told (queueing.py)
    assignment     accept the next chat, transfer (assignment.py)
    desk           the agent's side: connect, write, close with wrap-up (desk.py)
    turns          the citizen's side: messages, NLU and the bot, callbacks, survey (turns.py)

The database is the record of every chat's state; the queue (``QueueBackend``), presence
(``PresenceBackend``) and relay (``Broker``) are shared indexes over it — in memory for one process,
in Redis for several. Heartbeats and the sweep of grace periods live in handoff/housekeeping.py,
so neither a ``kill -9`` of a process nor a Redis restart loses a place in line. The methods below
are the parts' own, so routers and tests call ``hub.accept(...)`` without knowing which part answers.
"""
from __future__ import annotations

import logging

from bot.dialogue import HotlinePolicy
from bot.hours import Clock, StaffedHours
from handoff.agent_states import AgentStates
from handoff.broker import Broker
from handoff.chat.assignment import Assignment
from handoff.chat.config import HubConfig
from handoff.chat.conversations import Conversations, HubError
from handoff.chat.desk import AgentDesk, KBDraft
from handoff.chat.floor import Floor
from handoff.chat.queueing import ChatQueue
from handoff.chat.relay import Relay
from handoff.chat.turns import ChatTurns
from handoff.engineering.misslog import MissLog
from handoff.housekeeping import Housekeeper
from handoff.nlu_service import NLUService
from handoff.presence import PresenceBackend
from handoff.queue import QueueBackend
from handoff.storage.store import SQLConversationStore

__all__ = ["Hub", "HubConfig", "HubError"]

log = logging.getLogger(__name__)


class Hub:
    def __init__(self, store: SQLConversationStore, broker: Broker, queue: QueueBackend, presence: PresenceBackend,
                 nlu: NLUService, policy: HotlinePolicy, hours: StaffedHours, clock: Clock,
                 config: HubConfig | None = None, misslog: MissLog | None = None, states: AgentStates | None = None,
                 kb_draft: KBDraft | None = None) -> None:
        self.store, self.broker, self.queue, self.presence = store, broker, queue, presence
        self.nlu, self.policy, self.hours, self.clock = nlu, policy, hours, clock
        self.config = config or HubConfig()
        self.misslog = misslog
        self.states = states or AgentStates(store.db, self.config.wrapup_seconds)
        self.relay = Relay(broker)
        self.conversations = Conversations(store, self.relay)
        self.floor = Floor(presence, self.states, self.relay, self.config)
        self.chat_queue = ChatQueue(self.conversations, queue, self.floor, self.config)
        self.assignment = Assignment(self.conversations, self.chat_queue, self.floor)
        self.desk = AgentDesk(self.conversations, self.chat_queue, self.floor, self.assignment, misslog, kb_draft)
        self.turns = ChatTurns(self.conversations, self.chat_queue, self.floor, nlu, policy, hours, clock, misslog)
        self._housekeeper: Housekeeper | None = None

        # citizens
        self.open_conversation = self.turns.open_conversation
        self.citizen_connected = self.floor.citizen_connected
        self.citizen_message = self.turns.citizen_message
        self.citizen_typing = self.turns.citizen_typing
        self.citizen_leave = self.turns.citizen_leave
        self.citizen_gone = self.turns.citizen_gone
        self.callback = self.turns.callback
        self.next_staffed_time = self.turns.next_staffed_time
        self.survey = self.turns.survey
        self.feedback = self.turns.feedback
        self.close_queue_for_the_day = self.turns.close_queue_for_the_day
        # the queue
        self.enqueue = self.chat_queue.enqueue
        self.reconcile = self.chat_queue.reconcile
        self.broadcast_queue = self.chat_queue.broadcast
        self.queue_status = self.chat_queue.status
        self.handle_seconds = self.chat_queue.handle_seconds
        # the floor
        self.local_connections = self.floor.local_connections
        self.online_agents = self.floor.online_agents
        self.ready_agents = self.floor.ready_agents
        self.agent_floor = self.floor.agent_floor
        self.agent_state = self.floor.agent_state
        # agents
        self.set_agent_state = self.assignment.set_agent_state
        self.accept = self.assignment.accept
        self.transfer = self.assignment.transfer
        self.transcript = self.assignment.transcript
        self.agent_chat = self.conversations.agent_chat
        self.agent_connected = self.desk.agent_connected
        self.agent_disconnected = self.desk.agent_disconnected
        self.agent_gone = self.desk.agent_gone
        self.agent_message = self.desk.agent_message
        self.agent_typing = self.desk.agent_typing
        self.agent_close = self.desk.agent_close

    @property
    def kb_draft(self) -> KBDraft | None:
        """Creates a draft KB entry (question, category, answer) for review; set by the app."""
        return self.desk.kb_draft

    @kb_draft.setter
    def kb_draft(self, value: KBDraft | None) -> None:
        self.desk.kb_draft = value

    async def start(self) -> None:
        """Put queued chats back in the queue backend, then heartbeat and sweep until closed."""
        await self.broker.start()
        try:
            await self.reconcile()
        except Exception as exc:  # noqa: BLE001 e.g. Redis not up yet: the sweeper reconciles once it is
            log.warning("queue not restored at start-up (%s); the sweeper will retry", exc)
        self._housekeeper = Housekeeper(self)
        self._housekeeper.start()

    async def close(self) -> None:
        if self._housekeeper is not None:
            await self._housekeeper.close()
        await self.chat_queue.close()

    async def citizen_disconnected(self, conversation_id: str) -> None:
        if self.floor.citizen_disconnected(conversation_id):
            self.conversations.forget(conversation_id)
            await self.floor.citizen_absent(conversation_id)
