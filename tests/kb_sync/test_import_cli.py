"""``hotline kb import`` never deletes by surprise: --dry-run shows the diff, a removal is listed
and confirmed (--yes in scripts), and the KB lives in the conversation database."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from handoff.cli import main
from handoff.settings import get_settings
from kb_sync.store import KnowledgeBase
from tests.kb_sync.test_import import ROWS, write_jsonl

THIRD = {"id": "A-003", "category": "代領", "agency": "內政部", "question": "可以代領嗎？", "answer": "可以。"}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HOTLINE_HOME", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def kb_import(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["kb", "import", *args, "--no-stubs"], input=input)


def ids(home: Path) -> list[str]:
    kb = KnowledgeBase(home / "var" / "chat.db")
    try:
        return [e["id"] for e in kb.entries()]
    finally:
        kb.close()


def test_the_kb_is_stored_in_the_conversation_database_and_no_kb_file_is_made(home: Path) -> None:
    result = kb_import(str(write_jsonl(home / "v1.jsonl", ROWS)))
    assert result.exit_code == 0 and "2 added" in result.output
    assert ids(home) == ["A-001", "A-002"]
    assert sorted(p.name for p in (home / "var").iterdir() if p.suffix == ".db") == ["chat.db"]


def test_dry_run_shows_every_change_and_stores_nothing(home: Path) -> None:
    kb_import(str(write_jsonl(home / "v1.jsonl", ROWS)))
    v2 = write_jsonl(home / "v2.jsonl", [{**ROWS[0], "answer": "改了。"}, THIRD])
    result = kb_import(str(v2), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "1 to add, 1 to change, 1 to remove" in result.output
    assert "add: A-003" in result.output and "change: A-001" in result.output and "remove: A-002" in result.output
    assert ids(home) == ["A-001", "A-002"]


def test_an_import_that_would_remove_entries_lists_them_and_asks_first(home: Path) -> None:
    kb_import(str(write_jsonl(home / "v1.jsonl", ROWS)))
    v2 = write_jsonl(home / "v2.jsonl", [ROWS[0], THIRD])
    declined = kb_import(str(v2), input="n\n")
    assert declined.exit_code == 1
    assert "lacks 1 entries" in declined.output and "remove: A-002" in declined.output
    assert "nothing imported" in declined.output
    assert ids(home) == ["A-001", "A-002"]
    unattended = kb_import(str(v2))  # a script with no one to answer: refused, not removed
    assert unattended.exit_code == 1 and ids(home) == ["A-001", "A-002"]
    partial = kb_import(str(v2), "--partial")
    assert partial.exit_code == 0 and ids(home) == ["A-001", "A-002", "A-003"]
    confirmed = kb_import(str(v2), input="y\n")
    assert confirmed.exit_code == 0 and "1 removed" in confirmed.output and ids(home) == ["A-001", "A-003"]


def test_yes_removes_without_asking_and_if_empty_seeds_only_once(home: Path) -> None:
    first = kb_import(str(write_jsonl(home / "v1.jsonl", ROWS)), "--if-empty")
    assert first.exit_code == 0 and "2 added" in first.output
    again = kb_import(str(write_jsonl(home / "v2.jsonl", [THIRD])), "--if-empty")
    assert again.exit_code == 0 and "already has 2 entries" in again.output and ids(home) == ["A-001", "A-002"]
    scripted = kb_import(str(home / "v2.jsonl"), "--yes")
    assert scripted.exit_code == 0 and "2 removed" in scripted.output and ids(home) == ["A-003"]


def test_a_kb_file_of_older_releases_is_adopted_once_with_its_revision_numbers(home: Path) -> None:
    import sqlite3

    (home / "var").mkdir()
    old = sqlite3.connect(home / "var" / "kb.db")  # the sqlite-utils layout before issue 17
    old.executescript("""
        CREATE TABLE entries (id TEXT PRIMARY KEY, category TEXT, agency TEXT, question TEXT, answer TEXT,
                              status TEXT, revision INTEGER, updated_at TEXT);
        CREATE TABLE revisions (id INTEGER PRIMARY KEY, created_at TEXT, source TEXT, author TEXT, note TEXT,
                                added INTEGER, changed INTEGER, removed INTEGER);
        CREATE TABLE entry_history (revision INTEGER, entry_id TEXT, action TEXT, category TEXT, agency TEXT,
                                    question TEXT, answer TEXT);
        CREATE TABLE draft_examples (entry_id TEXT, text TEXT);
        INSERT INTO revisions VALUES (1, '2026-11-01T00:00:00+00:00', 'faq.jsonl', 'kb import', '', 1, 0, 0),
                                     (7, '2026-11-02T00:00:00+00:00', 'kb upkeep', 'boss', 'A-001 修改答案', 0, 1, 0);
        INSERT INTO entries VALUES ('A-001', '登記', '財政部', '要去哪裡登記？', '新答案。', 'approved', 7, 'x'),
                                   ('DRAFT-001', '其他', '待確認', '草稿？', '', 'draft', 0, 'x');
        INSERT INTO entry_history VALUES (1, 'A-001', 'added', '登記', '財政部', '要去哪裡登記？', '舊答案。'),
                                         (7, 'A-001', 'changed', '登記', '財政部', '要去哪裡登記？', '新答案。');
        INSERT INTO draft_examples VALUES ('DRAFT-001', '草稿的說法');
    """)
    old.commit()
    old.close()
    runner = CliRunner()
    adopted = runner.invoke(main, ["kb", "adopt-file"])
    assert adopted.exit_code == 0, adopted.output
    assert "2 kb_revisions" in adopted.output and "revision 7" in adopted.output
    kb = KnowledgeBase(home / "var" / "chat.db")
    try:
        assert kb.get("A-001")["answer"] == "新答案。" and kb.version() == 7
        assert [d["id"] for d in kb.drafts()] == ["DRAFT-001"] and kb.draft_examples("DRAFT-001") == ["草稿的說法"]
        assert [h["answer"] for h in kb.history()] == ["舊答案。", "新答案。"]
    finally:
        kb.close()
    again = runner.invoke(main, ["kb", "adopt-file"])
    assert again.exit_code == 0 and "left alone" in again.output
    seeded = kb_import(str(write_jsonl(home / "seed.jsonl", ROWS)), "--if-empty")
    assert "already has 1 entries" in seeded.output  # make run does not re-seed over the adopted KB
