from __future__ import annotations

from datetime import datetime

import pytest

from bot.errors import ConfigError
from bot.hours import OffsetClock, StaffedHours, clock_from_env

HOURS = StaffedHours.from_config({"timezone": "Asia/Taipei", "daily": [["08:30", "18:30"]],
                                  "closures": ["2026-12-25"], "last_entry_minutes": 10})


@pytest.mark.parametrize(
    ("moment", "is_open", "accepts"),
    [
        ("2026-11-30T08:29:59+08:00", False, False),
        ("2026-11-30T08:30:00+08:00", True, True),
        ("2026-11-29T12:00:00+08:00", True, True),  # Sunday: every day is staffed
        ("2026-11-30T18:19:59+08:00", True, True),
        ("2026-11-30T18:20:00+08:00", True, False),  # last-entry cutoff
        ("2026-11-30T18:30:00+08:00", False, False),
        ("2026-11-30T02:00:00+00:00", True, True),  # 10:00 in Taipei
        ("2026-12-25T10:00:00+08:00", False, False),  # dated closure
    ],
)
def test_staffed_hours_in_taipei_time(moment: str, is_open: bool, accepts: bool) -> None:
    when = datetime.fromisoformat(moment)
    assert HOURS.is_open(when) is is_open and HOURS.accepts_handoff(when) is accepts


def test_clock_override_starts_at_the_given_instant_and_runs() -> None:
    clock = clock_from_env({"HOTLINE_CLOCK": "2026-11-30T21:00:00+08:00"})
    assert isinstance(clock, OffsetClock)
    assert not HOURS.is_open(clock.now()) and clock.now() >= datetime.fromisoformat("2026-11-30T21:00:00+08:00")


@pytest.mark.parametrize("value", ["tomorrow", "2026-11-30T21:00:00"])
def test_bad_clock_override_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError):
        clock_from_env({"HOTLINE_CLOCK": value})


def test_bad_hours_config_is_refused() -> None:
    with pytest.raises(ConfigError, match="HH:MM"):
        StaffedHours.from_config({"daily": [["8.30", "18:30"]]})
