"""Staffed hours for live text agents, and the clock everything reads time from.

Every day 08:30–18:30 Asia/Taipei by default (the seed's 服務時間), with dated closures and a
last-entry cutoff: no new handoff within ``last_entry_minutes`` of closing.

The clock is injectable. ``HOTLINE_CLOCK`` (an ISO timestamp with offset) starts the clock at that
instant for tests and demos; it then runs at normal speed. Processes that must agree on the time
(several app servers, a restart after a crash) share an *anchor*: the real moment the set time
corresponds to. The server keeps it in the database (``handoff/storage/clock_anchor.py``); it can
also be given as ``HOTLINE_CLOCK=<timestamp>@<epoch seconds>``.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.errors import ConfigError


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now().astimezone()


class OffsetClock:
    """Reads ``start`` at the real moment ``anchor`` (epoch seconds; default: now) and runs at normal speed."""

    def __init__(self, start: datetime, anchor: float | None = None) -> None:
        if start.tzinfo is None:
            raise ConfigError("HOTLINE_CLOCK needs a timezone offset, e.g. 2026-11-30T10:00:00+08:00")
        self.start = start
        self.anchor = time.time() if anchor is None else anchor

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.time() - self.anchor)


def parse_clock_setting(value: str) -> tuple[datetime, float | None]:
    """``<ISO timestamp with offset>[@<epoch seconds>]`` → (start, anchor or None)."""
    text, _, anchor = value.strip().partition("@")
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"HOTLINE_CLOCK={value!r} is not an ISO timestamp: {exc}") from exc
    if start.tzinfo is None:
        raise ConfigError("HOTLINE_CLOCK needs a timezone offset, e.g. 2026-11-30T10:00:00+08:00")
    try:
        return start, float(anchor) if anchor.strip() else None
    except ValueError as exc:
        raise ConfigError(f"HOTLINE_CLOCK={value!r}: the part after @ must be epoch seconds") from exc


def clock_from_env(environ: dict[str, str] | None = None) -> Clock:
    value = (environ if environ is not None else os.environ).get("HOTLINE_CLOCK", "").strip()
    if not value:
        return SystemClock()
    return OffsetClock(*parse_clock_setting(value))


_DEFAULT: list[Clock] = []


def default_clock() -> Clock:
    """The process's one clock (``HOTLINE_CLOCK`` or real time): token expiry, timestamps, hours."""
    if not _DEFAULT:
        _DEFAULT.append(clock_from_env())
    return _DEFAULT[0]


def set_default_clock(clock: Clock) -> None:
    """Make ``clock`` the process's one clock (the server does this at start-up)."""
    _DEFAULT[:] = [clock]


def timestamp() -> float:
    """Epoch seconds on the process's clock: use instead of ``time.time()`` for anything stored."""
    return default_clock().now().timestamp()


def _hhmm(value: str) -> dtime:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError as exc:
        raise ConfigError(f"staffed_hours: {value!r} is not HH:MM") from exc


@dataclass
class StaffedHours:
    timezone: str = "Asia/Taipei"
    windows: list[tuple[dtime, dtime]] = field(default_factory=lambda: [(dtime(8, 30), dtime(18, 30))])
    closures: set[date] = field(default_factory=set)
    last_entry_minutes: int = 10

    @classmethod
    def from_config(cls, raw: dict[str, Any] | None) -> StaffedHours:
        raw = raw or {}
        windows = [(_hhmm(a), _hhmm(b)) for a, b in raw.get("daily", [["08:30", "18:30"]])]
        closures = {date.fromisoformat(str(d)) for d in raw.get("closures", [])}
        hours = cls(str(raw.get("timezone", "Asia/Taipei")), windows, closures,
                    int(raw.get("last_entry_minutes", 10)))
        ZoneInfo(hours.timezone)  # fails early on a bad zone name
        return hours

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.timezone))

    def _window(self, moment: datetime) -> tuple[datetime, datetime] | None:
        local = self._local(moment)
        if local.date() in self.closures:
            return None
        for start, end in self.windows:
            opens = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
            closes = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
            if opens <= local < closes:
                return opens, closes
        return None

    def is_open(self, moment: datetime) -> bool:
        return self._window(moment) is not None

    def accepts_handoff(self, moment: datetime) -> bool:
        """Open, and not inside the last-entry cutoff before closing."""
        window = self._window(moment)
        return window is not None and self._local(moment) < window[1] - timedelta(minutes=self.last_entry_minutes)

    def describe(self) -> str:
        spans = "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.windows)
        return f"每日 {spans}"
