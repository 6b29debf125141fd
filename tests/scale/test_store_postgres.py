"""The conversation store and the miss log on a real PostgreSQL (tests/infra.py starts it)."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from handoff.engineering.misslog import MissLog
from handoff.storage.database import Database
from handoff.storage.schema import messages
from handoff.storage.store import SQLConversationStore
from tests.infra import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_url(pg: PostgresServer) -> Iterator[str]:
    name = f"store_{os.getpid()}_{time.monotonic_ns()}"
    yield pg.create_database(name)
    pg.drop_database(name)


@pytest.fixture
def store(pg_url: str) -> Iterator[SQLConversationStore]:
    db = Database(pg_url)
    assert db.engine.dialect.name == "postgresql"
    yield SQLConversationStore(db)
    db.close()


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def seqs(store: SQLConversationStore, conversation_id: str) -> list[int]:
    return [m["seq"] for m in run(store.messages_since(conversation_id))]


def test_conversation_lifecycle(store: SQLConversationStore) -> None:
    created = run(store.create_conversation("c1", "h" * 64, "websocket"))
    assert created["state"] == "bot"
    run(store.change_state("c1", "bot", "queued", queued_at=100.0, front_of_queue=True))
    run(store.create_conversation("c2", "h" * 64, "rest"))
    run(store.change_state("c2", "bot", "queued", queued_at=50.0))
    got = run(store.get_conversation("c1"))
    assert got is not None and got["state"] == "queued" and got["front_of_queue"] is True
    assert got["updated_at"] >= got["created_at"]
    assert run(store.get_conversation("nope")) is None
    assert [c["id"] for c in run(store.conversations_in_states(["queued"]))] == ["c2", "c1"]
    assert run(store.conversations_in_states(["closed"])) == []


def test_messages_get_increasing_seq_counters_and_json_payloads(store: SQLConversationStore) -> None:
    run(store.create_conversation("c1", "h", "websocket"))
    first = run(store.add_message("c1", "citizen", "ATM什麼時候可以領6000", counters={"citizen_turns": 1}))
    second = run(store.add_message("c1", "agent", "您好", agent="agent1", kind="text",
                                   payload={"kb_id": "ATM-001", "註": "中文"}, counters={"agent_turns": 1}))
    bots = run(store.add_bot_messages("c1", [("答案", "answer", {"kb_id": "ATM-001"}), ("還有其他問題嗎？", "text", {})],
                                      {"bot_turns": 2, "answered_turns": 1}, {"last_intent": "ATM-001"}))
    assert (first["seq"], second["seq"], [b["seq"] for b in bots]) == (1, 2, [3, 4])
    stored = run(store.messages_since("c1"))
    assert [m["text"] for m in stored] == ["ATM什麼時候可以領6000", "您好", "答案", "還有其他問題嗎？"]
    assert stored[1]["payload"] == {"kb_id": "ATM-001", "註": "中文"} and stored[3]["payload"] == {}
    assert [m["seq"] for m in run(store.messages_since("c1", after_seq=2))] == [3, 4]
    conversation = run(store.get_conversation("c1"))
    assert conversation is not None
    assert (conversation["citizen_turns"], conversation["agent_turns"], conversation["bot_turns"],
            conversation["answered_turns"], conversation["last_intent"]) == (1, 1, 2, 1, "ATM-001")


def test_concurrent_tasks_and_threads_on_one_conversation_never_share_a_seq(store: SQLConversationStore) -> None:
    run(store.create_conversation("c1", "h", "websocket"))

    async def many_tasks(prefix: str) -> None:
        await asyncio.gather(*(store.add_message("c1", "citizen", f"{prefix}{i}", counters={"citizen_turns": 1})
                               for i in range(25)))

    threads = [threading.Thread(target=lambda p=p: run(many_tasks(p))) for p in ("a", "b", "c", "d")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seqs(store, "c1") == list(range(1, 101))
    conversation = run(store.get_conversation("c1"))
    assert conversation is not None and conversation["citizen_turns"] == 100


WRITER = textwrap.dedent("""
    import asyncio, sys, time
    from handoff.storage.database import Database
    from handoff.storage.store import SQLConversationStore

    url, start_at, label, count = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    db = Database(url)
    store = SQLConversationStore(db)

    async def main() -> None:
        for i in range(count):
            await store.add_message("shared", "citizen", f"{label}-{i}", counters={"citizen_turns": 1})

    time.sleep(max(0.0, start_at - time.time()))
    try:
        asyncio.run(main())
    finally:
        db.close()
""")


def test_several_processes_adding_to_one_conversation_never_share_a_seq(store: SQLConversationStore,
                                                                        pg_url: str) -> None:
    """Three app replicas writing to the same conversation (citizen on one, agent on another).

    Without the row lock in store.py (``_lock_conversation``) two of the three processes fail here
    on the (conversation_id, seq) unique constraint: checked by hand when this test was written."""
    run(store.create_conversation("shared", "h", "websocket"))
    start_at = f"{time.time() + 3.5:.3f}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, pg_url, start_at, label, "60"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for label in "xyz"]
    results = [(p.communicate(timeout=180)[0].decode(errors="replace"), p.returncode) for p in processes]
    assert [code for _, code in results] == [0, 0, 0], "\n".join(out[-1500:] for out, _ in results)
    assert seqs(store, "shared") == list(range(1, 181))
    texts = [m["text"] for m in run(store.messages_since("shared"))]
    for label in "xyz":  # each process's messages keep their own order
        assert [t for t in texts if t.startswith(label)] == [f"{label}-{i}" for i in range(60)]


def test_records_callbacks_surveys_wrapups_feedback(store: SQLConversationStore) -> None:
    run(store.create_conversation("c1", "h", "websocket"))
    callback_id = run(store.add_callback("c1", "王小明", "0912345678", "何時入帳？"))
    assert isinstance(callback_id, int) and callback_id > 0
    assert run(store.add_callback("c1", "王小明", "0912345678", "再問一次")) == callback_id + 1
    assert [c["question"] for c in run(store.callbacks_for("c1"))] == ["何時入帳？", "再問一次"]
    assert run(store.add_survey("c1", 5, "很好")) is True
    assert run(store.add_survey("c1", 1, None)) is False  # answered once only
    assert run(store.get_conversation("c1"))["survey_score"] == 5  # type: ignore[index]
    run(store.add_wrapup("c1", "agent1", "ATM", "人事時地物", True))
    with pytest.raises(IntegrityError):
        run(store.add_wrapup("c1", "agent1", "ATM", "again", False))
    run(store.add_feedback("c1", 2, False))
    run(store.add_feedback("c1", 2, True))  # the latest vote replaces the earlier one

    from sqlalchemy import text

    rows = run(store.db.read(lambda c: c.execute(text("SELECT seq, helpful FROM feedback")).all()))
    assert [tuple(r) for r in rows] == [(2, True)]


def test_users_agencies_and_tokens(store: SQLConversationStore) -> None:
    run(store.add_user("agent1", "bcrypt-hash", "agent", None, 3))
    run(store.add_user("mof", "bcrypt-hash", "agency", "財政部窗口", 1, agency="財政部"))
    with pytest.raises(IntegrityError):
        run(store.add_user("agent1", "x", "agent", None, 3))
    assert run(store.get_user("agent1"))["display_name"] == "agent1"  # type: ignore[index]
    assert run(store.get_user("ghost")) is None
    assert run(store.agency_of("mof")) == "財政部" and run(store.agency_of("agent1")) is None
    run(store.add_token("t" * 64, "agent1", 3600))
    run(store.add_token("e" * 64, "agent1", -1))  # already expired
    assert run(store.user_for_token("t" * 64))["username"] == "agent1"  # type: ignore[index]
    assert run(store.user_for_token("e" * 64)) is None
    assert run(store.user_for_token("x" * 64)) is None


def parse(intent: str, confidence: float, reason: str | None = None) -> dict[str, object]:
    return {"intent_ranking": [{"name": intent, "confidence": confidence}], "fallback_reason": reason}


def test_miss_log_records_marks_reviews_and_rates(store: SQLConversationStore) -> None:
    log = MissLog(store.db)
    run(store.create_conversation("c1", "h", "websocket"))
    answered = run(log.record("c1", 1, 2, "ATM什麼時候可以領6000", parse("ATM-001", 0.9), True, "v1"))
    miss = run(log.record("c1", 3, 4, "我的身分證A123456789怎麼辦", parse("REG-001", 0.3, "low_confidence"), False, "v1"))
    misses = run(log.open_misses())
    assert [m["id"] for m in misses] == [miss] and answered < miss
    assert "A123456789" not in misses[0]["text_masked"] and misses[0]["miss_reason"] == "low_confidence"

    chat = run(log.record("c1", 5, 6, "你好", parse("greet", 0.95), True, "v1"))  # typed on: suggestions ignored
    assert chat > miss and run(log.get([miss]))[0]["miss_reason"] == "suggestions_ignored"
    run(log.record("c1", 7, 8, "/REG-001", parse("REG-001", 1.0), True, "v1"))  # a clicked suggestion
    assert run(log.get([miss]))[0]["suggested_label"] == "REG-001"

    run(log.mark_unhelpful("c1", 2))
    assert run(log.get([answered]))[0]["miss_reason"] == "unhelpful"
    run(log.suggest_label("c1", "ATM-001"))
    assert {m["suggested_label"] for m in run(log.open_misses())} == {"ATM-001"}
    assert run(log.set_status([miss], "labelled", "REG-001")) == 1
    assert run(log.set_status([miss], "ignored")) == 0  # already reviewed
    assert run(log.labelled()) == [{"text": run(log.get([miss]))[0]["text_masked"], "intent": "REG-001"}]
    rates = run(log.match_rate("day"))
    assert len(rates) == 1 and rates[0]["question_turns"] == 2 and rates[0]["answered_turns"] == 1


def test_mark_last_question_turns_the_latest_question_into_a_miss(store: SQLConversationStore) -> None:
    log = MissLog(store.db)
    run(store.create_conversation("c1", "h", "websocket"))
    question = run(log.record("c1", 1, 2, "可以給別人代領嗎", parse("PROXY-001", 0.8), True, "v1"))
    run(log.record("c1", 3, 4, "謝謝", parse("thanks", 0.9), True, "v1"))
    run(log.mark_last_question("c1", "handoff"))
    row = run(log.get([question]))[0]
    assert (row["miss"], row["miss_reason"]) == (True, "handoff")


def test_message_rows_are_unique_per_conversation_and_seq(store: SQLConversationStore) -> None:
    """The constraint the seq logic relies on exists on PostgreSQL too."""
    run(store.create_conversation("c1", "h", "websocket"))
    run(store.add_message("c1", "citizen", "一"))
    with pytest.raises(IntegrityError):
        run(store.db.write(lambda c: c.execute(messages.insert().values(
            conversation_id="c1", seq=1, sender="citizen", text="dup", created_at=0.0))))
    assert run(store.db.read(lambda c: c.execute(select(messages.c.text)).scalars().all())) == ["一"]
