"""Report periods: a day, an ISO week (Monday–Sunday), a calendar month or a year, in Asia/Taipei.

``period("week", "2023-W41")`` → :class:`Period` with its label and epoch bounds [start, end). A
week's days are exactly the days whose day reports add up to it; a month's and a year's likewise.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo

from handoff.reports.figures import TIMEZONE, ReportError

KINDS = {"day": "YYYY-MM-DD, e.g. 2023-10-05", "week": "YYYY-Www (ISO week), e.g. 2023-W41",
         "month": "YYYY-MM, e.g. 2023-10", "year": "YYYY, e.g. 2023"}


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    first: date  # first day
    last: date  # last day (inclusive)
    start: float
    end: float

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def _bounds(first: date, last: date, timezone: str) -> tuple[float, float]:
    zone = ZoneInfo(timezone)
    following = last + timedelta(days=1)
    return (datetime(first.year, first.month, first.day, tzinfo=zone).timestamp(),
            datetime(following.year, following.month, following.day, tzinfo=zone).timestamp())


def period(kind: str, value: str, timezone: str = TIMEZONE) -> Period:
    """The period of ``kind`` named by ``value``; a ReportError says the expected form."""
    if kind not in KINDS:
        raise ReportError(f"period must be one of {', '.join(KINDS)}, got {kind!r}")
    value = (value or "").strip()
    try:
        if kind == "day":
            first = last = date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else _bad()
            label = first.isoformat()
        elif kind == "week":
            match = re.fullmatch(r"(\d{4})-W(\d{2})", value) or _bad()
            first = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            last, label = first + timedelta(days=6), value
        elif kind == "month":
            first = datetime.strptime(value, "%Y-%m").date() if re.fullmatch(r"\d{4}-\d{2}", value) else _bad()
            last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
            label = value
        else:
            year = int(value) if re.fullmatch(r"\d{4}", value) else _bad()
            first, last, label = date(year, 1, 1), date(year, 12, 31), value
    except ValueError as exc:
        raise ReportError(f"--{kind} must look like {KINDS[kind]}, got {value!r}") from exc
    start, end = _bounds(first, last, timezone)
    return Period(kind, label, first, last, start, end)


def _bad() -> NoReturn:
    raise ValueError("bad form")


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
