"""Miss-log rules without a server: person requests are counted apart, button payloads never
become labels, an agent's inserted answer does (issue 14, item 7)."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from handoff.storage.database import Database
from handoff.engineering.misslog import MissLog
from handoff.storage.store import SQLConversationStore


def open_log(tmp_path: Path, *conversations: str) -> tuple[Database, MissLog]:
    db = Database(f"sqlite:///{tmp_path / 'chat.db'}")
    store = SQLConversationStore(db)
    for conversation in conversations:
        asyncio.run(store.create_conversation(conversation, "0" * 64, "websocket"))
    return db, MissLog(db)


def parse(name: str, confidence: float = 0.99, reason: str | None = None) -> dict[str, Any]:
    return {"intent": {"name": name, "confidence": confidence}, "intent_ranking": [{"name": name, "confidence": confidence}],
            "fallback": reason is not None, "fallback_reason": reason}


def rows(db: Database, conversation: str) -> list[Any]:
    return db.read_sync(lambda c: list(c.exec_driver_sql(
        "select text_masked, question, miss, miss_reason, suggested_label, label_source from turns "
        "where conversation_id = ? order by id", (conversation,))))


def test_person_request_is_not_a_miss_and_is_counted_apart(tmp_path: Path) -> None:
    db, log = open_log(tmp_path, "c1")

    async def chat() -> list[dict[str, Any]]:
        await log.record("c1", 1, 2, "ATM什麼時候可以領", parse("ATM-001"), True, "v1")
        await log.record("c1", 3, 4, "我要轉真人", parse("ask_human"), False, "v1")
        await log.record("c1", 5, 6, "/handoff_yes", parse("/handoff_yes", 1.0), False, "v1")
        await log.mark_last_question("c1", "handoff")
        return await log.match_rate()

    rate = asyncio.run(chat())
    answered, request, button = rows(db, "c1")
    assert answered[1:3] == (1, 0) and request[1:3] == (0, 0) and button[1:3] == (0, 0)
    assert rate[-1]["question_turns"] == 1 and rate[-1]["person_requests"] == 1 and rate[-1]["match_rate"] == 1.0
    db.close()


def test_a_handoff_after_a_miss_still_marks_it(tmp_path: Path) -> None:
    db, log = open_log(tmp_path, "c2")

    async def chat() -> None:
        await log.record("c2", 1, 2, "那個東東怎麼弄", parse("REG-001", 0.3, "low_confidence"), False, "v1")
        await log.record("c2", 3, 4, "/handoff_yes", parse("handoff_yes", 1.0), False, "v1")
        await log.mark_last_question("c2", "handoff")
        await log.suggest_label("c2", "REG-008")

    asyncio.run(chat())
    miss = rows(db, "c2")[0]
    assert miss[2] == 1 and miss[4:] == ("REG-008", "agent_answer")  # labelled by the agent, not "handoff_yes"
    db.close()


def test_button_payloads_never_label_a_miss_but_a_kb_button_does(tmp_path: Path) -> None:
    db, log = open_log(tmp_path, "c3")

    async def chat() -> None:
        await log.record("c3", 1, 2, "6000", parse("TIM-001", 0.5, "ambiguous"), False, "v1")
        for payload in ("/handoff_yes", "/handoff_no", "/callback"):
            await log.record("c3", 3, 4, payload, parse(payload[1:], 1.0), False, "v1")
        assert rows(db, "c3")[0][4] is None
        await log.record("c3", 5, 6, "/PST-001", parse("PST-001", 1.0), True, "v1")  # a clarifying button

    asyncio.run(chat())
    assert rows(db, "c3")[0][4:] == ("PST-001", "suggestion_click")
    db.close()
