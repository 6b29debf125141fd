"""HOTLINE_CLOCK is one clock for every process on a database, and keeps running across restarts."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.hours import OffsetClock, parse_clock_setting
from handoff.storage.clock_anchor import shared_clock
from handoff.storage.database import Database

SET = "2026-11-30T10:00:00+08:00"


def test_processes_started_apart_read_the_same_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    first_db = Database(url)
    first = shared_clock(first_db, SET)
    time.sleep(0.6)  # a second app server starts later (or the first restarts after kill -9)
    second_db = Database(url)
    second = shared_clock(second_db, SET)
    gap = abs((first.now() - second.now()).total_seconds())
    assert gap < 0.05, f"two processes disagree by {gap:.3f} s"
    assert second.now() >= datetime.fromisoformat(SET)
    assert (second.now() - datetime.fromisoformat(SET)).total_seconds() >= 0.5  # it kept running
    first_db.close()
    second_db.close()


def test_a_new_setting_starts_the_clock_again(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'chat.db'}")
    shared_clock(db, SET)
    time.sleep(0.3)
    other = shared_clock(db, "2026-12-01T09:00:00+08:00")
    assert (other.now() - datetime.fromisoformat("2026-12-01T09:00:00+08:00")).total_seconds() < 0.2
    db.close()


def test_explicit_anchor_and_bad_settings() -> None:
    start, anchor = parse_clock_setting(f"{SET}@{time.time() - 60}")
    assert anchor is not None
    assert 59 < (OffsetClock(start, anchor).now() - start).total_seconds() < 61
    for bad in ("2026-11-30T10:00:00", "tomorrow", f"{SET}@soon"):
        with pytest.raises(ConfigError):
            parse_clock_setting(bad)
