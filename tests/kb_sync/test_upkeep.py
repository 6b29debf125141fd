"""KB upkeep: drafts and pending edits, approval as a revision, rejection, history and export."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kb_sync import upkeep
from kb_sync.diff import segments
from kb_sync.errors import EntryNotFound, StaleChange, UpkeepError
from kb_sync.export import export_kb
from kb_sync.readers import Entry
from kb_sync.store import KnowledgeBase, read_approved

ROWS = [Entry("A-001", "登記", "財政部", "要去哪裡登記？", "到官網登記。"),
        Entry("A-002", "領現", "中華郵政", "郵局幾點可以領？", "營業時間內。")]


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    store = KnowledgeBase(tmp_path / "chat.db")  # the conversation database holds the KB
    store.import_entries(ROWS, "v1.jsonl")
    return store


def test_an_edit_of_an_approved_entry_waits_for_approval_and_then_is_a_new_revision(kb: KnowledgeBase) -> None:
    item = upkeep.propose(kb, "A-001", {"answer": "到官網 6000.gov.tw 登記。"}, "boss")
    assert item["kind"] == "edit" and item["status"] == "pending"
    assert [c["field"] for c in item["changes"]] == ["answer"]
    assert item["changes"][0]["before"] == "到官網登記。"
    assert kb.get("A-001")["answer"] == "到官網登記。"  # not live before approval
    approval = upkeep.approve(kb, "A-001", "boss", note="加上網址")
    assert approval.action == "changed" and approval.revision == 2 and approval.summary == "修改答案"
    assert kb.get("A-001")["answer"] == "到官網 6000.gov.tw 登記。"
    assert kb.get("A-001")["revision"] == 2 and kb.version() == 2
    assert upkeep.pending_change(kb, "A-001") is None
    history = upkeep.entry_history(kb, "A-001")
    assert [(r["revision"], r["action"], r["author"]) for r in history["revisions"]] == [
        (2, "changed", "boss"), (1, "added", "kb import")]
    assert history["reviews"][0]["status"] == "approved" and history["reviews"][0]["note"] == "加上網址"
    assert kb.revisions()[-1]["note"] == "A-001 修改答案：加上網址"


def test_a_second_edit_replaces_the_pending_one_and_an_edit_back_to_the_live_text_is_refused(kb: KnowledgeBase) -> None:
    upkeep.propose(kb, "A-002", {"answer": "平日 9 點到 17 點。"}, "boss")
    item = upkeep.propose(kb, "A-002", {"category": "郵局領現"}, "boss")
    assert {c["field"] for c in item["changes"]} == {"answer", "category"}  # the pending edit is built on
    assert len(upkeep.review_queue(kb)) == 1
    with pytest.raises(UpkeepError, match="內容與目前版本相同"):
        upkeep.propose(kb, "A-001", {"answer": " 到官網登記。 "}, "boss")
    with pytest.raises(UpkeepError, match="不可空白"):
        upkeep.propose(kb, "A-001", {"answer": "  "}, "boss")
    with pytest.raises(UpkeepError, match="無法修改的欄位：id"):
        upkeep.propose(kb, "A-001", {"id": "X"}, "boss")
    with pytest.raises(EntryNotFound):
        upkeep.propose(kb, "NOPE-1", {"answer": "x"}, "boss")


def test_an_edit_made_stale_by_an_import_is_refused_until_saved_again(kb: KnowledgeBase) -> None:
    upkeep.propose(kb, "A-001", {"answer": "新的答案。"}, "boss")
    kb.import_entries([Entry("A-001", "登記", "財政部", "要去哪裡登記？", "匯入的答案。")], "v2.jsonl", full=False)
    assert upkeep.review_queue(kb)[0]["stale"] is True
    with pytest.raises(StaleChange, match="第 1 版 → 第 2 版"):
        upkeep.approve(kb, "A-001", "boss")
    upkeep.propose(kb, "A-001", {}, "boss")  # looked at again and saved: now based on revision 2
    assert upkeep.approve(kb, "A-001", "boss").revision == 3
    assert kb.get("A-001")["answer"] == "新的答案。"


def test_a_draft_needs_an_answer_and_an_agency_then_becomes_an_entry_with_its_examples(kb: KnowledgeBase) -> None:
    draft = kb.add_draft("普發現金可以捐給公益團體嗎？", "特殊狀況", examples=["6000能捐出去嗎", "可以捐普發嗎"])
    item = upkeep.review_queue(kb)[0]
    assert item["kind"] == "new" and item["before"] is None and item["examples"] == ["6000能捐出去嗎", "可以捐普發嗎"]
    with pytest.raises(UpkeepError, match="answer：不可空白"):
        upkeep.approve(kb, draft, "boss")
    upkeep.propose(kb, draft, {"answer": "可以，領取後自行捐贈。"}, "boss")
    with pytest.raises(UpkeepError, match="承辦機關仍是「待確認」"):
        upkeep.approve(kb, draft, "boss")
    upkeep.propose(kb, draft, {"agency": "財政部"}, "boss")
    assert kb.get(draft) is None  # a draft is never live
    approval = upkeep.approve(kb, draft, "boss")
    assert approval.action == "added" and approval.summary == "新增條目"
    assert approval.examples == ["6000能捐出去嗎", "可以捐普發嗎"]
    assert kb.get(draft)["answer"] == "可以，領取後自行捐贈。"
    assert draft in {e["id"] for e in read_approved(kb.engine)}
    assert upkeep.review_queue(kb) == [] and kb.drafts() == []


def test_rejecting_keeps_the_live_text_and_never_reuses_a_draft_id(kb: KnowledgeBase) -> None:
    first = kb.add_draft("問題一？", "其他")
    with pytest.raises(UpkeepError, match="退回原因"):
        upkeep.reject(kb, first, "boss", " ")
    upkeep.reject(kb, first, "boss", "與 A-001 重複")
    assert kb.find(first)["status"] == "rejected" and kb.drafts() == []
    assert kb.add_draft("問題二？", "其他") != first
    with pytest.raises(UpkeepError, match="已退回"):
        upkeep.approve(kb, first, "boss")
    upkeep.propose(kb, "A-002", {"answer": "錯的答案"}, "boss")
    upkeep.reject(kb, "A-002", "boss", "答案有誤")
    assert kb.get("A-002")["answer"] == "營業時間內。" and kb.version() == 1
    assert upkeep.entry_history(kb, "A-002")["reviews"][0]["note"] == "答案有誤"
    with pytest.raises(EntryNotFound, match="沒有待審核的修改"):
        upkeep.approve(kb, "A-002", "boss")


def test_diff_segments_rebuild_both_texts() -> None:
    parts = segments("請到郵局領取。", "請攜帶身分證到郵局領取現金。")
    assert "".join(p["text"] for p in parts if p["op"] != "insert") == "請到郵局領取。"
    assert "".join(p["text"] for p in parts if p["op"] != "delete") == "請攜帶身分證到郵局領取現金。"
    assert {"op": "insert", "text": "攜帶身分證"} in parts


def _approved_edit(kb: KnowledgeBase) -> None:
    upkeep.propose(kb, "A-001", {"answer": "第二版答案。"}, "boss")
    upkeep.approve(kb, "A-001", "boss", note="更正")


def test_export_holds_every_entry_with_its_full_revision_history_in_one_file(kb: KnowledgeBase, tmp_path: Path) -> None:
    _approved_edit(kb)
    export_kb(kb, tmp_path / "kb.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "kb.jsonl").read_text(encoding="utf-8").splitlines()]
    entries = [r for r in rows if r["type"] == "entry"]
    history = [r for r in rows if r["type"] == "history" and r["entry_id"] == "A-001"]
    assert {e["id"] for e in entries} == {"A-001", "A-002"}
    assert [(h["revision"], h["answer"], h["author"]) for h in history] == [
        (1, "到官網登記。", "kb import"), (2, "第二版答案。", "boss")]
    assert history[1]["note"] == "A-001 修改答案：更正" and history[1]["created_at"]
    export_kb(kb, tmp_path / "kb.xlsx")
    book = load_workbook(tmp_path / "kb.xlsx")
    sheet = book["history"]
    header = [c.value for c in sheet[1]]
    last = dict(zip(header, [c.value for c in sheet[sheet.max_row]]))
    assert last["entry_id"] == "A-001" and last["answer"] == "第二版答案。" and last["author"] == "boss"
    assert book["revisions"].max_row == 1 + 2


def test_cli_export_with_output_writes_the_history(kb: KnowledgeBase, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from handoff.cli import main
    from handoff.settings import get_settings

    _approved_edit(kb)
    monkeypatch.setenv("HOTLINE_HOME", str(tmp_path))
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        out = tmp_path / "final.jsonl"
        result = CliRunner().invoke(main, ["kb", "export", "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert "exported 2 entries with revision history" in result.output
        history = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines() if '"history"' in l]
        assert [h["revision"] for h in history if h["entry_id"] == "A-001"] == [1, 2]
        refused = CliRunner().invoke(main, ["kb", "export"])
        assert refused.exit_code == 2 and "--output kb.xlsx" in refused.output
    finally:
        get_settings.cache_clear()


def test_an_approval_and_what_is_written_with_it_commit_together_or_not_at_all(kb: KnowledgeBase) -> None:
    from sqlalchemy import func, insert, select

    from handoff.storage.schema import announcements

    upkeep.propose(kb, "A-001", {"answer": "到官網 6000.gov.tw 登記。"}, "boss")

    def failing(conn, approval):  # type: ignore[no-untyped-def]
        conn.execute(insert(announcements).values(kb_id=approval.entry_id, revision=approval.revision, title="t",
                                                  body="b", created_by="boss", created_at=0.0))
        raise RuntimeError("the announcement could not be written")

    with pytest.raises(RuntimeError):
        upkeep.approve(kb, "A-001", "boss", also=failing)
    with kb.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(announcements)).scalar_one() == 0
    assert kb.get("A-001")["answer"] == "到官網登記。" and kb.version() == 1
    assert upkeep.pending_change(kb, "A-001") is not None  # still awaiting approval

    from handoff.kb_live import record

    approval = upkeep.approve(kb, "A-001", "boss", also=lambda conn, a: record(conn, a, "boss"))
    assert approval.announcement["revision"] == approval.revision == kb.version() == 2
    with kb.engine.connect() as conn:
        assert conn.execute(select(announcements.c.kb_id)).scalars().all() == ["A-001"]
