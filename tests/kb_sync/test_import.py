from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kb_sync.errors import KBFileError
from kb_sync.export import export_kb
from kb_sync.readers import FIELDS, read_entries
from kb_sync.store import KnowledgeBase
from tests.conftest import KB_SEED

ROWS = [
    {"id": "A-001", "category": "登記", "agency": "財政部", "question": "要去哪裡登記？", "answer": "到官網登記。"},
    {"id": "A-002", "category": "領現", "agency": "中華郵政", "question": "郵局幾點可以領？", "answer": "營業時間內。"},
]


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, str]], bom: bool) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(list(FIELDS))
    for row in rows:
        sheet.append([row[f] for f in FIELDS])
    book.save(path)
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda d: write_jsonl(d / "qa.jsonl", ROWS),
        lambda d: write_csv(d / "qa.csv", ROWS, bom=False),
        lambda d: write_csv(d / "qa_bom.csv", ROWS, bom=True),
        lambda d: write_xlsx(d / "qa.xlsx", ROWS),
    ],
    ids=["jsonl", "csv", "csv-bom", "xlsx"],
)
def test_every_format_reads_the_same_entries(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    entries = read_entries(make(tmp_path))
    assert [e.as_dict() for e in entries] == ROWS


def test_reimport_reports_added_changed_removed(tmp_path: Path) -> None:
    kb = KnowledgeBase(tmp_path / "kb.db")
    first = kb.import_entries(read_entries(write_jsonl(tmp_path / "v1.jsonl", ROWS)), "v1.jsonl")
    assert (first.revision, first.added, first.changed, first.removed) == (1, ["A-001", "A-002"], [], [])
    v2 = [{**ROWS[0], "answer": "改到新網站登記。"},
          {"id": "A-003", "category": "代領", "agency": "內政部", "question": "可以代領嗎？", "answer": "可以。"}]
    second = kb.import_entries(read_entries(write_jsonl(tmp_path / "v2.jsonl", v2)), "v2.jsonl")
    assert (second.revision, second.added, second.changed, second.removed) == (2, ["A-003"], ["A-001"], ["A-002"])
    assert kb.get("A-001")["answer"] == "改到新網站登記。"
    assert kb.get("A-002") is None
    assert sorted((h["entry_id"], h["action"]) for h in kb.history() if h["revision"] == 2) == [
        ("A-001", "changed"), ("A-002", "removed"), ("A-003", "added")]
    unchanged = kb.import_entries(read_entries(write_jsonl(tmp_path / "v3.jsonl", v2)), "v3.jsonl")
    assert unchanged.empty and len(kb.revisions()) == 2


@pytest.mark.parametrize(
    ("content", "row", "field", "message"),
    [
        ('{"id": "A-1", "category": "c", "agency": "a", "question": "q"}\n', 1, "answer", "missing"),
        ('{"id": "A-1", "category": "c", "agency": "a", "question": "", "answer": "x"}\n', 1, "question", "empty"),
        ('{"id": "A-1", "category": "c", "agency": "a", "question": "q", "answer": "x"}\n{"id": oops\n', 2, None, "malformed JSON"),
        ('{"id": "A 1", "category": "c", "agency": "a", "question": "q", "answer": "x"}\n', 1, "id", "must be letters"),
        ('{"id": "A-1", "category": "c", "agency": "a", "question": "q", "answer": "x"}\n' * 2, 2, "id", "duplicate id"),
        ('["not", "an", "object"]\n', 1, None, "JSON object"),
    ],
)
def test_malformed_file_is_refused_naming_row_and_field(tmp_path: Path, content: str, row: int,
                                                        field: str | None, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KBFileError) as info:
        read_entries(path)
    assert info.value.filename == "bad.jsonl" and info.value.row == row and info.value.field == field
    assert message in str(info.value)


def test_binary_and_unknown_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "blob.csv"
    binary.write_bytes(b"id,category\x00\xff\xfe")
    with pytest.raises(KBFileError, match="binary"):
        read_entries(binary)
    with pytest.raises(KBFileError, match="unsupported file type"):
        read_entries(tmp_path / "qa.pdf")
    header_only = write_csv(tmp_path / "empty.csv", [], bom=False)
    with pytest.raises(KBFileError, match="no entries"):
        read_entries(header_only)


def test_csv_missing_column_names_the_header(tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("id,question,answer\nA-1,q,a\n", encoding="utf-8")
    with pytest.raises(KBFileError, match="category, agency") as info:
        read_entries(path)
    assert info.value.row == 1


def test_seed_kb_imports_346_entries(tmp_path: Path) -> None:
    kb = KnowledgeBase(tmp_path / "kb.db")
    diff = kb.import_entries(read_entries(KB_SEED), KB_SEED.name)
    assert len(diff.added) == 346 == kb.count()


def test_export_xlsx_and_jsonl_hold_entries_and_history(tmp_path: Path) -> None:
    kb = KnowledgeBase(tmp_path / "kb.db")
    kb.import_entries(read_entries(write_jsonl(tmp_path / "v1.jsonl", ROWS)), "v1.jsonl")
    kb.import_entries(read_entries(write_jsonl(tmp_path / "v2.jsonl", ROWS[:1])), "v2.jsonl")
    assert export_kb(kb, tmp_path / "out.xlsx") == 1
    book = load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == ["faq", "revisions", "history"]
    assert [c.value for c in book["faq"][2]][:5] == [ROWS[0][f] for f in FIELDS]
    assert book["history"].max_row == 1 + 3  # header + 2 added + 1 removed
    export_kb(kb, tmp_path / "out.jsonl")
    types = [json.loads(l)["type"] for l in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert types.count("entry") == 1 and types.count("revision") == 2 and types.count("history") == 3
    with pytest.raises(ValueError, match="xlsx or .jsonl"):
        export_kb(kb, tmp_path / "out.txt")
