"""Websocket plumbing shared by the citizen and agent sockets: frame limits, JSON parsing, rate
limiting, and one outbox per connection drained by a single sender task."""
from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
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


class Outbox:
    """Everything sent on one socket goes through here, so one task does all the sending, in
    order; message events already sent (by sequence number, per conversation) are skipped."""

    def __init__(self, ws: WebSocket, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self.ws, self.queue = ws, queue
        self.sent_seq: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    def put(self, frame: dict[str, Any]) -> None:
        self.queue.put_nowait(frame)

    def _fresh(self, frame: dict[str, Any]) -> bool:
        if frame.get("type") != "message" or "seq" not in frame:
            return True
        key = frame.get("conversation_id", "")
        if frame["seq"] <= self.sent_seq.get(key, 0):
            return False
        self.sent_seq[key] = frame["seq"]
        return True

    async def _pump(self) -> None:
        while True:
            frame = await self.queue.get()
            if self._fresh(frame):
                await self.ws.send_text(json.dumps(frame, ensure_ascii=False))

    def start(self) -> None:
        self._task = asyncio.create_task(self._pump())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
