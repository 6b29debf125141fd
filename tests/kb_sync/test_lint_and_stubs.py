from __future__ import annotations

from pathlib import Path

from bot.training_data import read_nlu_file, write_nlu_file
from kb_sync.lint import lint, near_duplicates
from kb_sync.stubs import STUB_FILE, sync_intents

ENTRIES = [
    {"id": "A-001", "agency": "財政部", "question": "普發現金要去哪裡登記？", "answer": "x"},
    {"id": "B-001", "agency": "數位發展部", "question": "普發現金要到哪裡登記？", "answer": "y"},
    {"id": "C-001", "agency": "中華郵政", "question": "郵局臨櫃可以領現嗎？", "answer": "z"},
]


def test_near_duplicates_flags_cross_agency_pairs_only_when_similar() -> None:
    pairs = near_duplicates(ENTRIES, threshold=0.6)
    assert [(p["a"], p["b"], p["cross_agency"]) for p in pairs] == [("A-001", "B-001", True)]


def test_lint_lists_missing_and_thin_intents(tmp_path: Path) -> None:
    write_nlu_file(tmp_path / "a.yml", {"A-001": [f"例句{i}" for i in range(8)], "B-001": ["只有一句"]})
    report = lint(ENTRIES, tmp_path, min_examples=8)
    assert report.missing_training == ["C-001"]
    assert report.thin_training == {"B-001": 1}
    assert not report.ok


def test_sync_adds_stub_with_kb_question_and_flags_orphans(tmp_path: Path) -> None:
    write_nlu_file(tmp_path / "faq.yml", {"A-001": ["登記"], "Z-999": ["舊的"], "greet": ["你好"]})
    result = sync_intents(ENTRIES, tmp_path)
    assert result.stubs_added == ["B-001", "C-001"]
    assert read_nlu_file(tmp_path / STUB_FILE).examples == {
        "B-001": ["普發現金要到哪裡登記？"], "C-001": ["郵局臨櫃可以領現嗎？"]}
    assert list(result.orphans) == ["Z-999"]
    assert sync_intents(ENTRIES, tmp_path).stubs_added == []
