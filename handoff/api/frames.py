"""Websocket plumbing shared by the citizen and agent sockets: frame limits, JSON parsing, rate
limiting, and one outbox per connection drained by a single sender task."""
from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

MAX_FRAME_BYTES = 8192
RATE_FRAMES = 20
RATE_SECONDS = 10.0


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RateLimiter:
    def __init__(self, frames: int = RATE_FRAMES, seconds: float = RATE_SECONDS) -> None:
        self.frames, self.seconds = frames, seconds
        self._times: deque[float] = deque()

    def allow(self) -> bool:
        now = time.monotonic()
        while self._times and now - self._times[0] > self.seconds:
            self._times.popleft()
        if len(self._times) >= self.frames:
            return False
        self._times.append(now)
        return True


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


async def receive_frame(ws: WebSocket, limiter: RateLimiter) -> dict[str, Any]:
    """The next JSON object from the socket; FrameError for anything unusable (socket kept)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    if not limiter.allow():
        raise FrameError("rate_limited", f"more than {limiter.frames} messages in {limiter.seconds:.0f} s; slow down")
    raw = message.get("text")
    if raw is None:
        raise FrameError("binary", "send JSON text frames, not binary")
    if len(raw.encode("utf-8")) > MAX_FRAME_BYTES:
        raise FrameError("too_large", f"frame larger than {MAX_FRAME_BYTES} bytes")
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FrameError("bad_json", f"not valid JSON: {exc.msg}") from exc
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError("bad_json", "a frame must be a JSON object with a 'type'")
    return frame


def text_field(frame: dict[str, Any], name: str, limit: int) -> str:
    value = frame.get(name)
    if not isinstance(value, str) or not value.strip():
        raise FrameError("bad_request", f"'{name}' must be a non-empty string")
    if len(value) > limit:
        raise FrameError("too_large", f"'{name}' longer than {limit} characters")
    return value.strip()


Missed = Callable[[str, int], Awaitable[list[dict[str, Any]]]]


class Outbox:
    """Everything sent on one socket goes through here, so one task does all the sending, in
    order; message events already sent (by sequence number, per conversation) are skipped.

    With ``missed`` (key, after_seq → message events from the store), a gap in the sequence numbers
    is filled from the store before the later message goes out, and a ``resync`` event (the relay
    reconnected) re-reads everything after the last message sent: pub/sub may drop an event, the
    store never does."""

    def __init__(self, ws: WebSocket, queue: asyncio.Queue[dict[str, Any]], missed: Missed | None = None) -> None:
        self.ws, self.queue, self.missed = ws, queue, missed
        self.sent_seq: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    def put(self, frame: dict[str, Any]) -> None:
        self.queue.put_nowait(frame)

    def _fresh(self, frame: dict[str, Any]) -> bool:
        if frame.get("type") == "assigned" and frame.get("transcript"):  # a transcript counts as sent
            self.sent_seq[frame["conversation_id"]] = max(m["seq"] for m in frame["transcript"])
            return True
        if frame.get("type") != "message" or "seq" not in frame:
            return True
        key = frame.get("conversation_id", "")
        if frame["seq"] <= self.sent_seq.get(key, 0):
            return False
        self.sent_seq[key] = frame["seq"]
        return True

    async def _send(self, frame: dict[str, Any]) -> None:
        if self._fresh(frame):
            await self.ws.send_text(json.dumps(frame, ensure_ascii=False))

    async def _catch_up(self, key: str, before_seq: int | None) -> None:
        """Send the stored messages of ``key`` after the last one sent (up to ``before_seq``)."""
        if self.missed is None or (key not in self.sent_seq and key != ""):
            return
        for event in await self.missed(key, self.sent_seq.get(key, 0)):
            if before_seq is not None and event["seq"] >= before_seq:
                break
            await self._send(event)

    async def _pump(self) -> None:
        while True:
            frame = await self.queue.get()
            if frame.get("type") == "resync":
                for key in list(self.sent_seq):
                    await self._catch_up(key, None)
                continue
            if frame.get("type") == "message" and isinstance(frame.get("seq"), int):
                key = frame.get("conversation_id", "")
                if frame["seq"] > self.sent_seq.get(key, 0) + 1 and key in self.sent_seq:
                    await self._catch_up(key, frame["seq"])
            await self._send(frame)

    def start(self) -> None:
        self._task = asyncio.create_task(self._pump())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
