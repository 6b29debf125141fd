"""Queue truth (issue 13): the queue is exactly the set of chats in state ``queued``, on both backends.

A Hypothesis rule-based state machine drives the real hub (real SQLite store, real memory or Redis
queue/presence/broker) through random joins, leaves, reconnects, accepts, transfers, agent drops,
closes, closing time and process restarts, and checks after every step that the queue backend,
the positions pushed to each citizen and the agents' queue view all equal the store's queued rows.
"""
from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from bot.errors import HotlineError
from handoff.chat.conversations import HubError
from tests.handoff.floor_support import make_hub, new_backends, queue_truth, sqlite_db, sweep
from tests.infra import RedisServer, redis_srv  # noqa: F401  (session fixture)

AGENTS = ["amy", "ben", "cho"]


class QueueMachine(RuleBasedStateMachine):
    redis_url: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.prefix = f"t{secrets.token_hex(4)}:"  # this run's own Redis keys
        self.tmp = tempfile.TemporaryDirectory()
        self.db = sqlite_db(Path(self.tmp.name))
        self.backends = self.run(self._backends())
        self.hub, self.recorder = make_hub(self.db, self.backends)
        self.citizens: list[str] = []
        self.connected: set[str] = set()
        self.agents_on: set[str] = set()

    async def _backends(self) -> Any:
        return new_backends(self.redis_url, self.prefix)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def attempt(self, coro: Any) -> Any:
        """Run a hub action that may be refused (not ready, at capacity, not your chat…)."""
        try:
            return self.run(coro)
        except (HubError, HotlineError):
            return None

    def teardown(self) -> None:
        self.run(self.backends.close())
        self.loop.close()
        self.db.close()
        self.tmp.cleanup()

    async def _state(self, conversation_id: str) -> str:
        return (await self.hub.store.get_conversation(conversation_id))["state"]

    # citizens ----------------------------------------------------------------------------------
    @rule()
    def join(self) -> None:
        async def go() -> None:
            conversation, _token, _ = await self.hub.open_conversation(None, None)
            self.citizens.append(conversation["id"])
            await self.hub.citizen_connected(conversation["id"])
            self.connected.add(conversation["id"])
            await self.hub.enqueue(conversation["id"])
        self.run(go())

    @precondition(lambda self: self.citizens)
    @rule(pick=st.integers(min_value=0))
    def rejoin(self, pick: int) -> None:
        """A citizen back with the bot (closing time sent them there) asks for a person again."""
        cid = self.citizens[pick % len(self.citizens)]
        if self.run(self._state(cid)) == "bot":
            self.attempt(self.hub.enqueue(cid))

    @precondition(lambda self: self.citizens)
    @rule(pick=st.integers(min_value=0))
    def leave(self, pick: int) -> None:
        self.attempt(self.hub.citizen_leave(self.citizens[pick % len(self.citizens)]))

    @precondition(lambda self: self.citizens)
    @rule(pick=st.integers(min_value=0))
    def disconnect(self, pick: int) -> None:
        cid = self.citizens[pick % len(self.citizens)]
        if cid in self.connected:
            self.connected.discard(cid)
            self.run(self.hub.citizen_disconnected(cid))

    @precondition(lambda self: self.citizens)
    @rule(pick=st.integers(min_value=0))
    def reconnect(self, pick: int) -> None:
        cid = self.citizens[pick % len(self.citizens)]
        if cid not in self.connected:
            self.connected.add(cid)
            self.run(self.hub.citizen_connected(cid))

    # agents ------------------------------------------------------------------------------------
    @rule(agent=st.sampled_from(AGENTS))
    def agent_connects(self, agent: str) -> None:
        if agent not in self.agents_on:
            self.agents_on.add(agent)
            self.run(self.hub.agent_connected(agent, 2))

    @rule(agent=st.sampled_from(AGENTS), state=st.sampled_from(["ready", "break", "wrapup", "offline"]))
    def agent_state(self, agent: str, state: str) -> None:
        if agent in self.agents_on:
            self.run(self.hub.set_agent_state(agent, state, "用餐" if state == "break" else None))

    @rule(agent=st.sampled_from(AGENTS))
    def accept(self, agent: str) -> None:
        if agent in self.agents_on:
            self.attempt(self.hub.accept(agent))

    @rule(agent=st.sampled_from(AGENTS), to=st.sampled_from(AGENTS))
    def transfer(self, agent: str, to: str) -> None:
        chats = self.run(self.hub.store.agent_chats(agent))
        if chats:
            self.attempt(self.hub.transfer(agent, chats[0], to))

    @rule(agent=st.sampled_from(AGENTS))
    def agent_closes(self, agent: str) -> None:
        chats = self.run(self.hub.store.agent_chats(agent))
        if chats and agent in self.agents_on:
            self.attempt(self.hub.agent_close(agent, chats[-1], {"category": "ATM", "summary": "領錢"}))

    @rule(agent=st.sampled_from(AGENTS))
    def agent_drops(self, agent: str) -> None:
        if agent in self.agents_on:
            self.agents_on.discard(agent)
            self.run(self.hub.agent_disconnected(agent))

    # the floor ---------------------------------------------------------------------------------
    @rule()
    def sweep(self) -> None:
        """Grace periods (0 s here) run out: absent agents' chats re-queued, absent citizens abandoned."""
        self.run(sweep(self.hub))

    @rule()
    def closing_time(self) -> None:
        self.run(self.hub.close_queue_for_the_day())

    @rule()
    def restart(self) -> None:
        """The process dies and starts again: sockets gone, in-memory state gone (Redis keeps its own)."""
        async def go() -> None:
            old = self.backends
            await self.hub.close()
            await old.close()  # memory backends die with the process; Redis keeps queue and presence
            self.backends = await self._backends()
            self.hub, _ = make_hub(self.db, self.backends, self.recorder)
            await self.hub.start()
            await self.hub.close()  # no background tasks in the test: sweeps are explicit steps
        self.run(go())
        self.connected.clear()
        self.agents_on.clear()

    @invariant()
    def queue_is_the_queued_rows(self) -> None:
        self.run(queue_truth(self.hub, self.recorder))


FAST = settings(max_examples=25, stateful_step_count=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_queue_truth_memory_backend() -> None:
    run_state_machine_as_test(QueueMachine, settings=FAST)


@pytest.fixture
def redis_machine(redis_srv: RedisServer) -> Iterator[type[QueueMachine]]:  # noqa: F811
    class RedisQueueMachine(QueueMachine):
        redis_url = redis_srv.url
    yield RedisQueueMachine


def test_queue_truth_redis_backend(redis_machine: type[QueueMachine]) -> None:
    run_state_machine_as_test(redis_machine, settings=FAST)
