"""Agent replies for REST-channel clients, after Rasa's ``callback`` channel convention.

Rasa's REST webhook answers only with what the bot said during the request; an agent who joins
later has no way back to the client. Two ways here (docs/protocol.md, "REST channel: agent
replies"):

- **callback**: ``POST /webhooks/rest/callback {"sender", "url"}`` registers a URL for the sender;
  every later agent message is POSTed there as Rasa's CallbackOutput does —
  ``{"recipient_id": sender, "text": ...}`` (plus ``seq``) — in order, one request per message,
  signed ``X-Hotline-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`` with
  ``X-Hotline-Timestamp`` when ``HOTLINE_REST_CALLBACK_SECRET`` is set. A failed post (network
  error or non-2xx) is retried with exponential backoff (2, 4, 8 … s, at most 5 min); nothing is
  skipped: delivery resumes at the first message not acknowledged.
- **fetch**: ``GET /webhooks/rest/messages?sender=&after=<seq>`` returns what the bot, the agent and
  the system said after ``seq`` (each with its ``seq``), for clients that cannot receive posts.

Pushed are the agent's messages and the system messages agent actions cause (joined, transferred,
the closing survey prompt) — the bot's answers already came back in the webhook's response. The
pusher runs in one process at a time (the "rest-callbacks" lease, like the case sweep), state is in
``rest_clients`` (``delivered_seq``), so a restart or another process carries on where it stopped.

This module delivers; the two routes are in handoff/api/rest_callbacks.py.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import Connection, select, update

from handoff.storage.database import Database
from handoff.storage.schema import messages, rest_clients

if TYPE_CHECKING:
    from handoff.services import Services

log = logging.getLogger(__name__)
PUSHED_SYSTEM_KINDS = ("agent", "survey")
MAX_BACKOFF = 300.0
TIMEOUT = 5.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``"<timestamp>.<body>"``; the receiver recomputes it with the shared secret."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> float:
    return float(min(MAX_BACKOFF, 2 ** max(1, attempts)))


def pushed(message: dict[str, Any]) -> bool:
    return message["sender"] == "agent" or (message["sender"] == "system" and message.get("kind") in PUSHED_SYSTEM_KINDS)


class Pusher:
    """Pushes new agent messages to registered callback URLs; one pass per ``run_once``."""

    def __init__(self, db: Database, secret: str, client: httpx.AsyncClient) -> None:
        self.db, self.secret, self.client = db, secret, client

    async def run_once(self, now: float | None = None) -> int:
        now = time.time() if now is None else now

        def due(c: Connection) -> list[dict[str, Any]]:
            rows = c.execute(select(rest_clients).where(rest_clients.c.callback_url.is_not(None)))
            out = []
            for r in rows:
                if r.next_attempt_at is not None and r.next_attempt_at > now:
                    continue
                new = c.execute(select(messages.c.seq, messages.c.sender, messages.c.kind, messages.c.text)
                                .where(messages.c.conversation_id == r.conversation_id,
                                       messages.c.seq > r.delivered_seq).order_by(messages.c.seq)).all()
                if new:
                    out.append({**r._mapping, "messages": [dict(m._mapping) for m in new]})
            return out

        delivered = 0
        for client in await self.db.read(due):
            delivered += await self._deliver(client, now)
        return delivered

    async def _deliver(self, client: dict[str, Any], now: float) -> int:
        done, upto, error = 0, client["delivered_seq"], None
        for message in client["messages"]:
            if pushed(message):
                error = await self._post(client["callback_url"], {"recipient_id": client["sender"],
                                                                   "text": message["text"], "seq": message["seq"]})
                if error:
                    break
                done += 1
            upto = message["seq"]
        attempts = client["attempts"] + 1 if error else 0
        values = {"delivered_seq": upto, "attempts": attempts, "last_error": error,
                  "next_attempt_at": now + backoff(attempts) if error else None}
        if error:
            log.warning("REST callback for %s failed (attempt %s, next in %.0f s): %s", client["conversation_id"],
                        attempts, backoff(attempts), error)
        await self.db.write(lambda c: c.execute(update(rest_clients).where(
            rest_clients.c.conversation_id == client["conversation_id"]).values(values)))
        return done

    async def _post(self, url: str, payload: dict[str, Any]) -> str | None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.secret:
            stamp = str(int(time.time()))
            headers.update({"X-Hotline-Timestamp": stamp, "X-Hotline-Signature": signature(self.secret, stamp, body)})
        try:
            response = await self.client.post(url, content=body, headers=headers, timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        return None if response.is_success else f"HTTP {response.status_code}"


async def watch(services: Services) -> None:
    """Runs for the server's lifetime: a push pass every ``HOTLINE_REST_CALLBACK_SECONDS`` by the
    process holding the lease (0 or less turns pushing off; fetching still works)."""
    every = services.settings.rest_callback_seconds
    if every <= 0:
        return
    async with httpx.AsyncClient() as client:
        pusher = Pusher(services.db, services.settings.rest_callback_secret, client)
        while True:
            await asyncio.sleep(every)
            try:
                if await services.backends.presence.lead("rest-callbacks", max(every * 3, 10.0)):
                    await pusher.run_once()
            except Exception:  # a failed pass must not end the watcher; the next one retries
                log.exception("REST callback pass failed")

