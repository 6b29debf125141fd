"""Sending in the background: a request never waits for an SMTP or SMS gateway."""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class BackgroundSends:
    """Keeps the tasks it starts (so they are not garbage-collected mid-send) until they finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, send: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(send)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for sends still under way (tests, the CLI before it exits)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
