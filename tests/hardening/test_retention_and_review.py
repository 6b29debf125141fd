"""PII beyond masking (issue 12, item 4): the raw-transcript retention purge, and KB review that
warns about personal data and refuses to publish it unconfirmed."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from handoff.retention import purge_sync
from handoff.storage.database import Database
from handoff.storage.schema import callbacks, conversations, messages, metadata, surveys
from handoff.storage.store import SQLConversationStore
from kb_sync import upkeep
from kb_sync.readers import Entry
from kb_sync.store import KnowledgeBase

DAY = 86400.0
SECRET = "我是王小明，身分證A123456789，手機0912-345-678"


def _chat(store: SQLConversationStore, db: Database, conversation_id: str, closed_at: float) -> None:
    async def run() -> None:
        await store.create_conversation(conversation_id, "-", "websocket")
        await store.add_message(conversation_id, "citizen", SECRET, counters={"citizen_turns": 1})
        await store.add_callback(conversation_id, "王小明", "0912345678", "請回電 0912345678")
        await store.add_survey(conversation_id, 5, "電話0912345678")
        await store.change_state(conversation_id, "bot", "closed", closed_at=closed_at, outcome="bot_resolved")

    asyncio.run(run())


def test_purge_masks_old_raw_text_and_keeps_the_statistics(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'chat.db'}")
    metadata.create_all(db.engine)
    store = SQLConversationStore(db)
    now = time.time()
    _chat(store, db, "c_old", now - 100 * DAY)
    _chat(store, db, "c_new", now - 2 * DAY)
    assert purge_sync(db, retention_days=90, now=now) == 1
    assert purge_sync(db, retention_days=90, now=now) == 0  # once per conversation

    def read(table, conversation_id):  # type: ignore[no-untyped-def]
        return db.read_sync(lambda c: [dict(r._mapping) for r in c.execute(
            select(table).where(table.c.conversation_id == conversation_id))])

    old_text = read(messages, "c_old")[0]["text"]
    assert "A123456789" not in old_text and "0912-345-678" not in old_text and "[身分證號]" in old_text
    assert read(callbacks, "c_old")[0]["name"] == "[姓名]" and "0912345678" not in str(read(callbacks, "c_old"))
    assert read(surveys, "c_old")[0]["score"] == 5 and "0912345678" not in read(surveys, "c_old")[0]["comment"]
    assert read(messages, "c_new")[0]["text"] == SECRET  # within the retention: untouched
    row = db.read_sync(lambda c: dict(c.execute(select(conversations).where(conversations.c.id == "c_old")).one()._mapping))
    assert row["citizen_turns"] == 1 and row["outcome"] == "bot_resolved" and row["pii_masked_at"] is not None
    db.close()


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    store = KnowledgeBase(tmp_path / "chat.db")
    store.import_entries([Entry("A-001", "登記", "財政部", "要去哪裡登記？", "到官網登記。")], "v1.jsonl")
    return store


@pytest.mark.parametrize("answer", ["王先生您好，請到官網登記。", "請洽陳小姐 0912345678。", "身分證A123456789可以登記。",
                                    "匯款到帳號822540123456789012。"])
def test_kb_approval_of_personal_data_needs_confirming(kb: KnowledgeBase, answer: str) -> None:
    """Reproduction: a KB answer starting 「王先生您好」 was approved and announced to every agent."""
    item = upkeep.propose(kb, "A-001", {"answer": answer}, "boss")
    assert item["pii_warnings"] and item["pii_warnings"][0]["field"] == "answer"
    with pytest.raises(upkeep.PersonalDataUnconfirmed, match="個人資料"):
        upkeep.approve(kb, "A-001", "boss")
    assert kb.get("A-001")["answer"] == "到官網登記。"  # nothing published
    approval = upkeep.approve(kb, "A-001", "boss", confirm_pii=True)
    assert approval.action == "changed" and kb.get("A-001")["answer"] == answer


def test_kb_approval_without_personal_data_needs_no_confirmation(kb: KnowledgeBase) -> None:
    item = upkeep.propose(kb, "A-001", {"answer": "請於112年10月31日前到官網登記。"}, "boss")
    assert item["pii_warnings"] == []
    assert upkeep.approve(kb, "A-001", "boss").action == "changed"
