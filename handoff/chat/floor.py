"""Who is on the floor: the sockets this process holds, presence across processes, agents' states.

A process counts its own citizen and agent sockets (several tabs may share a chat or a login) and
heartbeats them into the ``PresenceBackend``; an agent is online when connected to any process.
"""
from __future__ import annotations

import contextlib
from typing import Any

from bot.hours import timestamp
from handoff.agent_states import AgentState, AgentStates, effective
from handoff.chat.config import HubConfig
from handoff.chat.relay import Relay
from handoff.presence import PresenceBackend


class Floor:
    def __init__(self, presence: PresenceBackend, states: AgentStates, relay: Relay, config: HubConfig) -> None:
        self.presence = presence
        self.states = states
        self.relay = relay
        self.config = config
        self._citizen_connections: dict[str, int] = {}
        self._agent_connections: dict[str, int] = {}
        self._capacity: dict[str, int] = {}

    # sockets of this process --------------------------------------------------------------------
    async def citizen_connected(self, conversation_id: str) -> None:
        self._citizen_connections[conversation_id] = self._citizen_connections.get(conversation_id, 0) + 1
        with contextlib.suppress(Exception):  # presence is refreshed by the heartbeat anyway
            await self.presence.beat("citizen", [conversation_id], self.config.presence_ttl)

    def citizen_disconnected(self, conversation_id: str) -> bool:
        """One socket of the chat closed; True when it was the last one on this process."""
        left = self._citizen_connections.get(conversation_id, 1) - 1
        if left > 0:
            self._citizen_connections[conversation_id] = left
            return False
        self._citizen_connections.pop(conversation_id, None)
        return True

    async def citizen_absent(self, conversation_id: str) -> None:
        """No socket of the chat left here: out of presence now (the grace period starts)."""
        with contextlib.suppress(Exception):
            await self.presence.drop("citizen", conversation_id)

    def citizen_here(self, conversation_id: str) -> bool:
        return bool(self._citizen_connections.get(conversation_id))

    async def agent_connected(self, username: str, capacity: int) -> None:
        """A socket of the agent on this process; logging in means ready (a break is kept)."""
        self._agent_connections[username] = self._agent_connections.get(username, 0) + 1
        self._capacity[username] = capacity
        with contextlib.suppress(Exception):
            await self.presence.set_capacity(username, capacity)
            await self.presence.beat("agent", [username], self.config.presence_ttl)
        row = await self.states.get(username)
        if row is None or row["state"] == AgentState.OFFLINE:
            await self.states.set(username, AgentState.READY)

    async def agent_disconnected(self, username: str) -> bool:
        """One socket of the agent closed; True when it was the last one on this process."""
        left = self._agent_connections.get(username, 1) - 1
        if left > 0:
            self._agent_connections[username] = left
            return False
        self._agent_connections.pop(username, None)
        with contextlib.suppress(Exception):
            await self.presence.drop("agent", username)
        return True

    def agent_here(self, username: str) -> bool:
        return bool(self._agent_connections.get(username))

    def capacity(self, username: str) -> int:
        return self._capacity.get(username, self.config.default_capacity)

    def local_connections(self) -> tuple[list[str], dict[str, int]]:
        """Citizens (conversation ids) and agents (with capacity) connected to this process."""
        return list(self._citizen_connections), {a: self.capacity(a) for a in self._agent_connections}

    # every process ----------------------------------------------------------------------------
    async def online_agents(self) -> dict[str, int]:
        """Agents connected to any process, with their chat capacity."""
        online = await self.presence.alive("agent") | set(self._agent_connections)
        capacities = await self.presence.capacities(online)
        return {a: capacities.get(a, self.capacity(a)) for a in online}

    async def agent_floor(self) -> dict[str, dict[str, Any]]:
        """Every agent known to the floor (connected, or with a recorded state) → effective state."""
        online = await self.online_agents()
        rows = await self.states.rows()
        now = timestamp()
        return {name: {**effective(rows.get(name), name in online, now), "capacity": online.get(name)}
                for name in sorted(set(online) | set(rows))}

    async def ready_agents(self) -> dict[str, int]:
        """Connected agents in state ready, with capacity: the only ones who take chats."""
        floor = await self.agent_floor()
        return {a: s["capacity"] for a, s in floor.items() if s["state"] == AgentState.READY and s["capacity"]}

    async def agent_state(self, username: str) -> dict[str, Any]:
        online = username in self._agent_connections or username in await self.presence.alive("agent")
        return effective(await self.states.get(username), online, timestamp())

    async def set_agent_state(self, username: str, state: str, reason: str | None = None) -> dict[str, Any]:
        """Record the agent's state and tell their consoles (the caller refreshes the queue view)."""
        await self.states.set(username, state, reason)
        current = await self.agent_state(username)
        await self.relay.to_agent(username, {"type": "status", **current})
        return current
