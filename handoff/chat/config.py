"""The hub's timings and defaults (from Settings in production, shortened in tests)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class HubConfig:
    agent_grace_seconds: float = 30.0
    citizen_grace_seconds: float = 120.0
    default_handle_seconds: float = 180.0
    default_capacity: int = 3
    heartbeat_seconds: float = 1.0
    closing_check_seconds: float = 30.0
    wrapup_seconds: float = 60.0  # after-chat work before an agent counts as ready again
    # queue changes within this of the last queue broadcast are folded into one (0: every change
    # broadcast at once, which the floor tests use to read each step's view)
    queue_broadcast_gap_seconds: float = 0.25

    @property
    def presence_ttl(self) -> float:
        return self.heartbeat_seconds * 3

    @property
    def sweep_seconds(self) -> float:
        return max(0.1, min(1.0, self.agent_grace_seconds / 4, self.citizen_grace_seconds / 4))
