"""The live-agent queue and agent presence, behind one interface.

FIFO by queue time, except chats re-queued because their agent vanished, which go to the front.
``MemoryQueue`` is the embedded default (one process); its state is rebuilt from the store at
start-up, so a restart loses no place in line.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class AgentPresence:
    username: str
    capacity: int
    chats: set[str] = field(default_factory=set)
    connections: int = 0

    @property
    def free(self) -> int:
        return max(0, self.capacity - len(self.chats))


class QueueBackend(Protocol):
    def enqueue(self, conversation_id: str, front: bool = False) -> None: ...
    def remove(self, conversation_id: str) -> bool: ...
    def pop_next(self) -> str | None: ...
    def position(self, conversation_id: str) -> int | None: ...
    def waiting(self) -> list[str]: ...


class MemoryQueue:
    def __init__(self) -> None:
        self._line: deque[str] = deque()

    def enqueue(self, conversation_id: str, front: bool = False) -> None:
        if conversation_id in self._line:
            return
        if front:
            self._line.appendleft(conversation_id)
        else:
            self._line.append(conversation_id)

    def remove(self, conversation_id: str) -> bool:
        try:
            self._line.remove(conversation_id)
            return True
        except ValueError:
            return False

    def pop_next(self) -> str | None:
        return self._line.popleft() if self._line else None

    def position(self, conversation_id: str) -> int | None:
        try:
            return self._line.index(conversation_id) + 1
        except ValueError:
            return None

    def waiting(self) -> list[str]:
        return list(self._line)


def estimated_wait_seconds(position: int, agents_online: int, capacity: int, handle_seconds: float) -> int:
    """Position ÷ (agents × capacity) chats, each taking the recent average handle time."""
    slots = max(1, agents_online * max(1, capacity))
    return int(round(position / slots * handle_seconds))
