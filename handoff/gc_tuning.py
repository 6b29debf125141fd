"""The garbage collector for a process that holds thousands of open chats.

A full collection walks every tracked object, and each open chat keeps hundreds (socket, tasks,
queues, frames): with 10,000 chats one full pass stopped the event loop for 0.8–1.7 s, sixteen
times in a run (bench/load.py), and those pauses were the slow replies. Three measures: what
start-up loaded (the model, the KB, the imports) is frozen out of the collector's sight; the
young generations are collected less often, so short-lived objects (a parse, a frame) die before
they are promoted and full passes, which CPython starts when the old generation has grown by a
quarter, come rarely; and every pause long enough to delay replies is logged with its generation.
"""
from __future__ import annotations

import gc
import logging
import time
from typing import Any

log = logging.getLogger(__name__)
SLOW_PAUSE_SECONDS = 0.05
THRESHOLDS = (20_000, 10, 100)  # CPython's default is (700, 10, 10)
_started: dict[int, float] = {}


def _timer(phase: str, info: dict[str, Any]) -> None:
    generation = int(info.get("generation", -1))
    if phase == "start":
        _started[generation] = time.perf_counter()
        return
    began = _started.pop(generation, None)
    if began is None:
        return
    pause = time.perf_counter() - began
    if pause >= SLOW_PAUSE_SECONDS:
        log.warning("gc pause %.0f ms (generation %d, %d collected)", pause * 1000, generation,
                    int(info.get("collected", 0)))


def after_startup() -> None:
    """Freeze what start-up built (collected once first), space the collections out, and start
    logging slow pauses."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    if _timer not in gc.callbacks:
        gc.callbacks.append(_timer)
