"""Before/after of a KB entry, field by field, with character-level segments (Chinese has no word
spaces, so characters are the unit a reviewer reads)."""
from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

REVIEW_FIELDS = ("question", "answer", "category", "agency")
FIELD_LABELS = {"question": "問題", "answer": "答案", "category": "類別", "agency": "承辦機關"}


def segments(before: str, after: str) -> list[dict[str, str]]:
    """``[{op: equal|delete|insert, text}]`` turning ``before`` into ``after``."""
    out: list[dict[str, str]] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append({"op": "equal", "text": before[i1:i2]})
            continue
        if i2 > i1:
            out.append({"op": "delete", "text": before[i1:i2]})
        if j2 > j1:
            out.append({"op": "insert", "text": after[j1:j2]})
    return out


def field_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields that differ; ``before`` None means a new entry (every field is new)."""
    changes = []
    for name in REVIEW_FIELDS:
        old = (before or {}).get(name) or ""
        new = after.get(name) or ""
        if before is None or old != new:
            changes.append({"field": name, "label": FIELD_LABELS[name], "before": old if before else None,
                            "after": new, "segments": segments(old, new)})
    return changes


def summary(changes: list[dict[str, Any]], new: bool) -> str:
    """A one-line description, e.g. 「修改答案、類別」."""
    if new:
        return "新增條目"
    return "修改" + "、".join(c["label"] for c in changes)
