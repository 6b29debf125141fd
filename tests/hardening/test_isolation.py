"""Isolation (issue 12, item 2): one bad input never fails anyone else's request or socket."""
from __future__ import annotations

import asyncio
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from handoff.nlu_service import NLUInputError, NLUService
from tests.chat_client import Citizen
from tests.hardening.conftest import Live

SURROGATE_BODY = b'{"text": "\\ud800"}'


class _Pipeline:
    """Fails a whole batch when one text cannot be encoded, as the real encoder did."""

    def parse(self, text: str) -> dict[str, Any]:
        text.encode("utf-8")
        return {"text": text, "intent": {"name": "greet", "confidence": 1.0}}

    def parse_batch(self, texts: list[str]) -> list[dict[str, Any]]:
        return [self.parse(t) for t in texts]


def test_one_bad_text_does_not_fail_its_nlu_batch(tmp_path: Path) -> None:
    async def run() -> list[Any]:
        service = NLUService(tmp_path)
        service._pipeline = _Pipeline()  # type: ignore[assignment]
        texts = [f"問題{i}" for i in range(12)] + ["\ud800"]
        try:
            return await asyncio.gather(*(service.parse(t) for t in texts), return_exceptions=True)
        finally:
            service.close()

    results = asyncio.run(run())
    assert [r["text"] for r in results[:12]] == [f"問題{i}" for i in range(12)]
    assert isinstance(results[12], NLUInputError)


def test_parse_batch_with_one_lone_surrogate_answers_the_others(live: Live) -> None:
    """Reproduction: in a parse batch of 13 with one such text, 12 returned 500."""
    def post(i: int) -> int:
        if i == 6:
            return httpx.post(f"{live.url}/model/parse", content=SURROGATE_BODY,
                              headers={"content-type": "application/json"}, timeout=30).status_code
        return httpx.post(f"{live.url}/model/parse", json={"text": f"ATM什麼時候可以領{i}"}, timeout=30).status_code

    with ThreadPoolExecutor(13) as pool:
        statuses = list(pool.map(post, range(13)))
    assert statuses[6] == 422
    assert statuses[:6] + statuses[7:] == [200] * 12


def test_surrogate_flood_does_not_break_other_citizens_chats(live: Live) -> None:
    """Reproduction: looping the lone-surrogate parse while 20 citizens chat closed 18–19 of
    their websockets without a close frame."""
    stop = threading.Event()
    statuses: list[int] = []

    def flood() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                statuses.append(client.post(f"{live.url}/model/parse", content=SURROGATE_BODY,
                                            headers={"content-type": "application/json"}).status_code)

    flooder = threading.Thread(target=flood)
    flooder.start()
    try:
        citizens = [Citizen(live.url) for _ in range(8)]
        for round_ in range(2):
            for citizen in citizens:
                reply = citizen.say(f"ATM什麼時候可以領{round_}")
                assert reply["sender"] in ("bot", "system")
        for citizen in citizens:
            citizen.close()
    finally:
        stop.set()
        flooder.join()
    assert statuses and set(statuses) == {422}


def test_concurrent_first_rest_messages_make_one_conversation(live: Live) -> None:
    """Reproduction: 4 concurrent first messages from one new sender gave 500s (UNIQUE constraint
    failed: conversations.id) in 20–90 % of trials."""
    import sqlite3

    for _ in range(6):
        sender = f"race-{uuid.uuid4().hex[:8]}"
        barrier = threading.Barrier(4)

        def send(i: int, sender: str = sender, barrier: threading.Barrier = barrier) -> int:
            barrier.wait()
            return httpx.post(f"{live.url}/webhooks/rest/webhook", json={"sender": sender, "message": f"你好{i}"},
                              timeout=30).status_code

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(send, range(4))) == [200] * 4
    con = sqlite3.connect(live.home / "var" / "chat.db")
    count = con.execute("select count(*) from conversations where channel = 'rest'").fetchone()[0]
    con.close()
    assert count >= 6


def test_rest_bodies_with_lone_surrogates_get_422_json(live: Live) -> None:
    for path, body in [("/auth/login", b'{"username": "\\ud800", "password": "x"}'),
                       ("/webhooks/rest/webhook", b'{"sender": "\\ud800", "message": "hi"}'),
                       ("/webhooks/rest/webhook", b'{"sender": "s", "message": "\\udfff"}'),
                       ("/model/parse", b'{"text": "ok", "extra": {"\\ud800": 1}}'),
                       ("/model/parse", b'{"text": "' + b"[" * 0 + b'x", "n": 100000000000000000000000000000}')]:
        response = httpx.post(f"{live.url}{path}", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, body)
        assert isinstance(response.json()["detail"], list)
    deep = b'{"text": "x", "a": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = httpx.post(f"{live.url}/model/parse", content=deep, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert json.loads(response.text)["detail"]


def test_integers_beyond_64_bits_in_paths_and_queries_are_refused(live: Live, tokens: dict[str, str]) -> None:
    """Reproduction: ``GET /api/cases/1000000000000000000000000000000`` (and approve/accept/return/
    reply/close, ``prefill?callback_id=``) gave 500."""
    huge = "1" + "0" * 30
    calls = [("GET", f"/api/cases/{huge}"), ("GET", f"/api/cases/prefill?callback_id={huge}")]
    calls += [("POST", f"/api/cases/{huge}/{action}") for action in ("approve", "accept", "return", "reply", "close")]
    for role in ("supervisor", "agent", "agency"):
        for method, path in calls:
            response = httpx.request(method, f"{live.url}{path}", json={"reason": "x", "reply": "x", "answer": "x"},
                                     headers={"Authorization": f"Bearer {tokens[role]}"})
            assert response.status_code in (403, 422), (role, method, path, response.status_code)
