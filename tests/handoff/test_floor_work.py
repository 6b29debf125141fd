"""Callbacks as work, records (表1) and their export, daily numbers, the wallboard's figures (issue 13),
on a real SQLite store."""
from __future__ import annotations

import asyncio
import csv
import io
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from handoff.callback_work import CallbackError, CallbackWork
from handoff.numbers import next_number
from handoff.records import RecordQuery, Records, to_csv, to_xlsx
from handoff.storage.schema import conversations
from handoff.wallboard import band_of, snapshot
from tests.handoff.floor_support import make_hub, new_backends, sqlite_db

SUPERVISOR = {"username": "boss", "role": "supervisor"}


def test_numbers_count_per_taipei_day_and_start_again_the_next(tmp_path: Path) -> None:
    db = sqlite_db(tmp_path)
    day = 1701309600.0  # 2023-11-30 10:00 Asia/Taipei
    numbers = [db.write_sync(lambda c: next_number(c, day)) for _ in range(3)]
    assert numbers == ["1121130-0001", "1121130-0002", "1121130-0003"]
    assert db.write_sync(lambda c: next_number(c, day + 86400)) == "1121201-0001"
    db.close()


@pytest.mark.parametrize(("seconds", "band"), [(0, "le7"), (7, "le7"), (7.1, "le15"), (15, "le15"), (31, "le31"),
                                               (31.5, "gt31"), (300, "gt31")])
def test_answer_speed_bands_follow_the_seed(seconds: float, band: str) -> None:
    assert band_of(seconds) == band


def test_callback_work_claim_attempts_close_reopen(tmp_path: Path) -> None:
    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        hub, _ = make_hub(db, new_backends(None))
        conversation, _token, _ = await hub.open_conversation(None, None)
        callback_id = await hub.callback(conversation["id"], "王小明", "0912345678", "何時入帳？", True)
        work = CallbackWork(db)
        [row] = await work.list()
        assert row["number"].count("-") == 1 and row["status"] == "open" and row["due_at"] is not None
        with pytest.raises(CallbackError) as unclaimed:
            await work.attempt(callback_id, "amy", "agent", "reached")
        assert unclaimed.value.code == "not_claimed"
        assert (await work.claim(callback_id, "amy"))["claimed_by"] == "amy"
        with pytest.raises(CallbackError) as taken:
            await work.claim(callback_id, "ben")
        assert taken.value.code == "claimed"
        missed = await work.attempt(callback_id, "amy", "agent", "no_answer", "沒人接")
        assert missed["status"] == "open" and missed["claimed_by"] is None and missed["due_at"] > time.time() + 3000
        await work.claim(callback_id, "ben")
        await work.attempt(callback_id, "ben", "agent", "reached")
        closed = await work.close(callback_id, "ben", "agent")
        assert closed["status"] == "closed" and [a["outcome"] for a in closed["attempts"]] == ["no_answer", "reached"]
        assert await work.list() == [] and await work.open_count() == 0
        assert (await work.reopen(callback_id, "boss"))["status"] == "open"
        with pytest.raises(CallbackError):
            await work.attempt(callback_id, "ben", "agent", "hung_up")
        db.close()

    asyncio.run(scenario())


def test_records_search_scope_and_export(tmp_path: Path) -> None:
    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        hub, _ = make_hub(db, new_backends(None))
        await hub.agent_connected("amy", 3)
        ids = []
        for agent, summary in (("amy", "詢問寵物可否領取"), ("ben", "ATM 領現時間")):
            conversation, _token, _ = await hub.open_conversation(None, None)
            await hub.enqueue(conversation["id"])
            if agent == "ben":
                await hub.agent_connected("ben", 3)
                await hub.set_agent_state("amy", "break", "用餐")
            await hub.accept(agent)
            await hub.agent_message(agent, conversation["id"], f"您好，我是 {agent}")
            await hub.agent_close(agent, conversation["id"], {
                "category": "發放對象與資格", "summary": summary, "answer": "已說明",
                "citizen_name": "林小姐", "citizen_phone": "0922333444", "faq_needed": agent == "amy"})
            ids.append(conversation["id"])
        records = Records(db)
        everything = await records.search(RecordQuery(), SUPERVISOR)
        assert {r["conversation_id"] for r in everything} == set(ids)
        mine = await records.search(RecordQuery(), {"username": "amy", "role": "agent"})
        assert [r["conversation_id"] for r in mine] == [ids[0]]
        by_text = await records.search(RecordQuery(text="我是 ben"), SUPERVISOR)  # the transcript is searched
        assert [r["agent"] for r in by_text] == ["ben"]
        by_number = await records.search(RecordQuery(number=everything[0]["number"]), SUPERVISOR)
        assert len(by_number) == 1
        assert await records.search(RecordQuery(text="100%"), SUPERVISOR) == []  # LIKE wildcards are literal
        table = list(csv.reader(io.StringIO(to_csv(everything).decode("utf-8-sig"))))
        assert table[0][:5] == ["編號", "受話時間", "民眾姓名", "聯絡電話", "問題摘要"] and len(table) == 3
        sheet = load_workbook(io.BytesIO(to_xlsx(everything))).active
        assert sheet["A1"].value == "編號" and sheet.max_row == 3
        detail = await records.detail(ids[0])
        assert detail is not None and detail["wrapup"]["faq_needed"] and "token_hash" not in detail["conversation"]
        db.close()

    asyncio.run(scenario())


def test_wallboard_counts_the_floor(tmp_path: Path) -> None:
    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        hub, _ = make_hub(db, new_backends(None))
        await hub.agent_connected("amy", 3)
        await hub.agent_connected("ben", 3)
        await hub.set_agent_state("ben", "break", "會議")
        fast, _t, _ = await hub.open_conversation(None, None)
        slow, _t, _ = await hub.open_conversation(None, None)
        gone, _t, _ = await hub.open_conversation(None, None)
        for c in (fast, slow, gone):
            await hub.enqueue(c["id"])
        await hub.citizen_leave(gone["id"])
        for c in (fast, slow):
            await hub.accept("amy")
            await hub.agent_message("amy", c["id"], "您好")
        await db.write(lambda conn: conn.execute(update(conversations).where(conversations.c.id == slow["id"])
                                                 .values(queued_at=conversations.c.first_reply_at - 20)))
        board = await snapshot(hub)
        assert board["waiting"] == 0 and board["agents_by_state"]["ready"] == 1
        assert board["agents_by_state"]["break"] == 1
        assert {b["key"]: b["count"] for b in board["answer_bands"]} == {"le7": 1, "le15": 0, "le31": 1, "gt31": 0}
        assert board["queued_today"] == 3 and board["abandoned_today"] == 1
        assert board["abandonment_rate"] == pytest.approx(1 / 3, abs=1e-3)
        db.close()

    asyncio.run(scenario())


def test_needs_a_faq_entry_tick_creates_a_draft_for_review(tmp_path: Path) -> None:
    from kb_sync.store import KnowledgeBase

    async def scenario() -> None:
        db = sqlite_db(tmp_path)
        kb = KnowledgeBase(db)
        hub, _ = make_hub(db, new_backends(None))
        hub.kb_draft = lambda question, category, answer: kb.add_draft(question, category, answer=answer)
        await hub.agent_connected("amy", 3)
        conversation, _token, _ = await hub.open_conversation(None, None)
        await hub.enqueue(conversation["id"])
        await hub.accept("amy")
        await hub.agent_close("amy", conversation["id"], {"category": "特殊狀況", "summary": "普發現金可以捐給公益團體嗎？",
                                                        "answer": "可以自行捐贈", "faq_needed": True})
        draft_id = (await Records(db).detail(conversation["id"]))["wrapup"]["kb_draft_id"]  # type: ignore[index]
        draft = kb.find(draft_id) if draft_id else None
        assert draft is not None and draft["status"] == "draft" and draft["question"] == "普發現金可以捐給公益團體嗎？"
        assert draft["answer"] == "可以自行捐贈" and draft["category"] == "特殊狀況"
        db.close()

    asyncio.run(scenario())
