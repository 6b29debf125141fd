"""Websocket plumbing shared by the citizen and agent sockets: frame limits, JSON parsing, rate
limiting, and one outbox per connection drained by a single sender task."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket
from pydantic import TypeAdapter, ValidationError
from starlette.websockets import WebSocketDisconnect

from bot.errors import HotlineError
from handoff.api.frame_models import frame_error

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 8192
RATE_FRAMES = 20
RATE_SECONDS = 10.0


class FrameError(HotlineError):
    """A frame the socket refuses; ``code`` goes into the error frame, the connection stays open."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


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


def error(code: str, message: str, **about: Any) -> dict[str, Any]:
    """An ``error`` frame; ``about`` (e.g. client_id, conversation_id) is added when not None."""
    return {"type": "error", "code": code, "message": message, **{k: v for k, v in about.items() if v is not None}}


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
    except (RecursionError, ValueError) as exc:  # deep nesting; an integer too long to convert
        raise FrameError("bad_json", "JSON nested too deeply or numbers too long") from exc
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError("bad_json", "a frame must be a JSON object with a 'type'")
    return frame


def validated(adapter: TypeAdapter[Any], frame: dict[str, Any]) -> Any:
    """The frame as its pydantic model (handoff/api/frame_models.py); FrameError if it does not fit."""
    try:
        return adapter.validate_python(frame)
    except ValidationError as exc:
        raise FrameError(*frame_error(exc)) from None


def text_field(value: str, name: str, limit: int) -> str:
    """A message text: not blank, at most ``limit`` characters (the model bounds it already)."""
    if not value.strip():
        raise FrameError("bad_request", f"'{name}' must be a non-empty string")
    if len(value) > limit:
        raise FrameError("too_large", f"'{name}' longer than {limit} characters")
    return value.strip()


def echo(frame: dict[str, Any], key: str) -> str | int | None:
    """A client's field to echo in an error frame, only when it is safe to send back."""
    value = frame.get(key)
    if isinstance(value, str) and len(value) <= 64:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
        return value
    return None


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

    @property
    def alive(self) -> bool:
        """False once the sender task has ended: the socket no longer gets anything."""
        return self._task is None or not self._task.done()

    async def _catch_up(self, key: str, before_seq: int | None) -> None:
        """Send the stored messages of ``key`` after the last one sent (up to ``before_seq``)."""
        if self.missed is None or (key not in self.sent_seq and key != ""):
            return
        for event in await self.missed(key, self.sent_seq.get(key, 0)):
            if before_seq is not None and event["seq"] >= before_seq:
                break
            await self._send(event)

    async def _pump(self) -> None:
        """Send until the socket goes; a frame that fails for any other reason is logged once and
        skipped, so one bad frame never leaves a socket that silently stops answering."""
        while True:
            frame = await self.queue.get()
            try:
                await self._pump_one(frame)
            except (WebSocketDisconnect, RuntimeError, OSError):
                return  # the socket is gone (or closing); the receive loop ends the connection
            except Exception:
                log.exception("frame %r not sent", frame.get("type"))

    async def _pump_one(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == "resync":
            for key in list(self.sent_seq):
                await self._catch_up(key, None)
            return
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
