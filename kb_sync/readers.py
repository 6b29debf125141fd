"""Readers for the agencies' Q&A files: JSONL, CSV (UTF-8, BOM or not) and XLSX.

All readers return validated :class:`Entry` rows or raise :class:`KBFileError` naming the file,
row and field; a file with any bad row is refused whole.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kb_sync.errors import KBFileError

FIELDS = ("id", "category", "agency", "question", "answer")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_FIELD_CHARS = {"id": 64, "category": 100, "agency": 100, "question": 500, "answer": 5000}


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    agency: str
    question: str
    answer: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _validate(raw: dict[str, Any], filename: str, row: int) -> Entry:
    values = {}
    for name in FIELDS:
        if name not in raw or raw[name] is None:
            raise KBFileError(filename, "missing", row, name)
        value = str(raw[name]).strip() if not isinstance(raw[name], (dict, list)) else None
        if value is None:
            raise KBFileError(filename, "must be text", row, name)
        if not value:
            raise KBFileError(filename, "empty", row, name)
        if "\x00" in value:
            raise KBFileError(filename, "contains a NUL byte (binary data?)", row, name)
        if len(value) > MAX_FIELD_CHARS[name]:
            raise KBFileError(filename, f"longer than {MAX_FIELD_CHARS[name]} characters", row, name)
        values[name] = value
    if not ID_PATTERN.match(values["id"]):
        raise KBFileError(filename, f"id {values['id']!r} must be letters, digits, '-', '_' or '.'", row, "id")
    return Entry(**values)


def _rows_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KBFileError(path.name, f"malformed JSON ({exc.msg})", number) from exc
        if not isinstance(raw, dict):
            raise KBFileError(path.name, "each line must be a JSON object", number)
        yield number, raw


def _rows_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise KBFileError(path.name, f"header lacks column(s) {', '.join(missing)}", 1)
    for number, raw in enumerate(reader, start=2):
        if None in raw:
            raise KBFileError(path.name, "more cells than header columns", number)
        yield number, raw


def _rows_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise KBFileError(path.name, f"not a readable XLSX workbook ({exc})") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip().lower() if c is not None else "" for c in next(rows, ())]
    missing = [f for f in FIELDS if f not in header]
    if missing:
        raise KBFileError(path.name, f"header lacks column(s) {', '.join(missing)}", 1)
    for number, cells in enumerate(rows, start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        yield number, {h: c for h, c in zip(header, cells) if h}
    workbook.close()


def _text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data:
        raise KBFileError(path.name, "binary data, not a UTF-8 text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KBFileError(path.name, f"not UTF-8 (byte {exc.start})") from exc


_READERS = {".jsonl": _rows_jsonl, ".json": _rows_jsonl, ".csv": _rows_csv, ".xlsx": _rows_xlsx}


def read_entries(path: Path) -> list[Entry]:
    """Every entry of a Q&A file, validated; ids must be unique."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise KBFileError(path.name, f"unsupported file type '{path.suffix}'; use .jsonl, .csv or .xlsx")
    if not path.is_file():
        raise KBFileError(str(path), "no such file")
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for number, raw in reader(path):
        entry = _validate(raw, path.name, number)
        if entry.id in seen:
            raise KBFileError(path.name, f"duplicate id {entry.id} (first at row {seen[entry.id]})", number, "id")
        seen[entry.id] = number
        entries.append(entry)
    if not entries:
        raise KBFileError(path.name, "no entries")
    return entries
