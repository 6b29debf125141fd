"""``hotline db copy``: the embedded SQLite chat.db moved into PostgreSQL, ids and all."""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from click.testing import CliRunner

from handoff.engineering.misslog import MissLog
from handoff.settings import Settings
from handoff.storage.cli import db as db_group
from handoff.storage.database import Database
from handoff.storage.store import SQLConversationStore
from tests.infra import PostgresServer


def fill(url: str) -> None:
    db = Database(url)
    store, log = SQLConversationStore(db), MissLog(db)

    async def go() -> None:
        await store.add_user("agent1", "hash", "agent", None, 3)
        await store.add_user("mof", "hash", "agency", None, 1, agency="財政部")
        await store.add_token("t" * 64, "agent1", 3600)
        for n in range(3):
            await store.create_conversation(f"c{n}", "h", "websocket")
            for i in range(4):
                await store.add_message(f"c{n}", "citizen", f"第{i}句", payload={"i": i})
            await store.add_callback(f"c{n}", "王", "09", "問題")
            await log.record(f"c{n}", 1, 2, "ATM", {"intent_ranking": [{"name": "ATM-001", "confidence": 0.9}]},
                             True, "v1")
        await store.add_survey("c0", 5, None)

    asyncio.run(go())
    db.close()


def test_sqlite_rows_move_to_postgres_and_new_ids_continue(pg: PostgresServer, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'chat.db'}"
    fill(source)
    target = pg.create_database(f"copy_{os.getpid()}_{time.monotonic_ns()}")
    settings = Settings(home=tmp_path, endpoints=Path("none.yml"), database_url=target)
    result = CliRunner().invoke(db_group, ["copy", source], obj=settings)
    assert result.exit_code == 0, result.output
    assert "messages: 12" in result.output and "turns: 3" in result.output

    db = Database(target)
    store = SQLConversationStore(db)
    try:
        messages = asyncio.run(store.messages_since("c2"))
        assert [(m["seq"], m["text"], m["payload"]) for m in messages] == [
            (i + 1, f"第{i}句", {"i": i}) for i in range(4)]
        assert asyncio.run(store.user_for_token("t" * 64))["username"] == "agent1"  # type: ignore[index]
        assert asyncio.run(store.agency_of("mof")) == "財政部"
        assert asyncio.run(store.get_conversation("c0"))["survey_score"] == 5  # type: ignore[index]
        assert asyncio.run(store.add_callback("c1", "李", "09", "再問")) == 4  # the sequence moved past the copied ids
        assert asyncio.run(MissLog(db).record("c1", 3, 4, "再問", {"intent_ranking": []}, False, "v1")) == 4
    finally:
        db.close()

    again = CliRunner().invoke(db_group, ["copy", source], obj=settings)
    assert again.exit_code != 0 and "already has rows" in again.output


def test_the_kb_moves_with_its_revisions_drafts_and_review_log(pg: PostgresServer, tmp_path: Path) -> None:
    from kb_sync import upkeep
    from kb_sync.readers import Entry
    from kb_sync.store import KnowledgeBase

    source = f"sqlite:///{tmp_path / 'chat.db'}"
    kb = KnowledgeBase(source)
    kb.import_entries([Entry("A-1", "登記", "財政部", "問一？", "答一。"), Entry("A-2", "領現", "郵局", "問二？", "答二。")], "v1")
    draft = kb.add_draft("新問題？", "其他", examples=["說法一"])
    upkeep.propose(kb, "A-1", {"answer": "新答一。"}, "boss")
    upkeep.approve(kb, "A-1", "boss")
    kb.close()
    target = pg.create_database(f"copykb_{os.getpid()}_{time.monotonic_ns()}")
    settings = Settings(home=tmp_path, endpoints=Path("none.yml"), database_url=target)
    result = CliRunner().invoke(db_group, ["copy", source], obj=settings)
    assert result.exit_code == 0, result.output
    assert "kb_entries: 3" in result.output and "kb_revisions: 2" in result.output

    moved = KnowledgeBase(target)
    try:
        assert [(e["id"], e["answer"]) for e in moved.entries()] == [("A-1", "新答一。"), ("A-2", "答二。")]
        assert moved.version() == 2 and moved.draft_examples(draft) == ["說法一"]
        assert [r["revision"] for r in upkeep.entry_history(moved, "A-1")["revisions"]] == [2, 1]
        upkeep.propose(moved, draft, {"answer": "答三。", "agency": "財政部"}, "boss")
        assert upkeep.approve(moved, draft, "boss").revision == 3  # the id sequence moved past the copied ids
    finally:
        moved.close()
