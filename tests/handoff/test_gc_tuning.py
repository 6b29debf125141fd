"""The collector settings of a server holding thousands of chats (handoff/gc_tuning.py)."""
from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator

import pytest

from handoff import gc_tuning


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()
    if gc_tuning._timer in gc.callbacks:
        gc.callbacks.remove(gc_tuning._timer)


def test_startup_objects_are_frozen_and_young_collections_spaced_out(restored_gc: None) -> None:
    gc_tuning.after_startup()
    assert gc.get_freeze_count() > 1000  # the imports, the model and KB of a server
    assert gc.get_threshold() == gc_tuning.THRESHOLDS
    assert gc.get_threshold()[0] > 700  # CPython's default would promote a parse's objects
    gc_tuning.after_startup()
    assert gc.callbacks.count(gc_tuning._timer) == 1  # a second start-up (tests) does not log twice


def test_a_pause_long_enough_to_delay_replies_is_logged(restored_gc: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="handoff.gc_tuning"):
        gc_tuning._timer("start", {"generation": 2})
        time.sleep(gc_tuning.SLOW_PAUSE_SECONDS + 0.02)
        gc_tuning._timer("stop", {"generation": 2, "collected": 7})
        gc_tuning._timer("start", {"generation": 0})
        gc_tuning._timer("stop", {"generation": 0, "collected": 1})  # fast: not logged
    assert [r.getMessage().split(" ms")[1] for r in caplog.records] == [" (generation 2, 7 collected)"]
