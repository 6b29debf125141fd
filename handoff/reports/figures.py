"""The vocabulary of the monthly report: each figure is declared once, with its label and definition.

A report section is a dataclass whose fields are made with :func:`figure`; the Chinese label and
the one-sentence definition travel in the field's metadata, so the page, the exports and the
documentation (docs/reports.md, checked by a test) all read the same words.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import HotlineError

TIMEZONE = "Asia/Taipei"
TARGET = 0.85
"""The contract's 85 %: match rate and satisfied share are both judged against it."""
WAIT_BANDS = (7.0, 15.0, 31.0)
"""The seed's answer-speed thresholds (最佳 ≤ 7 s, 次佳 ≤ 15 s, 最差 > 31 s)."""
REPLY_HOURS = 24
"""The seed's 24-hour rule: the handling agency replies to the citizen within 24 h of acceptance."""
RESOLVE_DAYS = {"normal": 7, "urgent": 3}
POINTS = 10
"""The seed's agency points: +10 per case replied to in time, −10 per case late."""


class ReportError(HotlineError, ValueError):
    """A report request that cannot be answered (bad month, unknown format); says what to pass."""

    code, status = "report", 422


def figure(label: str, doc: str) -> Any:
    """A report field: ``label`` is what people read, ``doc`` is the definition."""
    return dataclasses.field(metadata={"label": label, "doc": doc})


def described(cls: type) -> list[dict[str, str]]:
    """``[{name, label, doc}]`` for every figure of a section class, in order."""
    return [{"name": f.name, "label": f.metadata["label"], "doc": f.metadata["doc"]}
            for f in dataclasses.fields(cls) if "label" in f.metadata]


def label_of(cls: type, name: str) -> str:
    for f in dataclasses.fields(cls):
        if f.name == name:
            return str(f.metadata.get("label", name))
    return name


def rate(numerator: int, denominator: int) -> float | None:
    """A share rounded to 4 decimals; None when nothing was counted (not 0 %, which would mislead)."""
    return round(numerator / denominator, 4) if denominator else None


def mean(values: list[float], digits: int = 2) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


def month_bounds(month: str, timezone: str = TIMEZONE) -> tuple[float, float]:
    """Epoch seconds [start, end) of a calendar month ``YYYY-MM`` in ``timezone``."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError as exc:
        raise ReportError(f"month must look like 2023-10 (YYYY-MM), got {month!r}") from exc
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    zone = ZoneInfo(timezone)
    start = datetime(first.year, first.month, 1, tzinfo=zone)
    end = datetime(following.year, following.month, 1, tzinfo=zone)
    return start.timestamp(), end.timestamp()


def local_day(epoch: float, timezone: str = TIMEZONE) -> str:
    return datetime.fromtimestamp(epoch, ZoneInfo(timezone)).strftime("%Y-%m-%d")


def local_iso(epoch: float | None, timezone: str = TIMEZONE) -> str | None:
    return datetime.fromtimestamp(epoch, ZoneInfo(timezone)).isoformat(timespec="seconds") if epoch else None
