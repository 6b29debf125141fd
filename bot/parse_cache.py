"""A bounded LRU cache of parse results keyed by the normalised text (``bot.text.nlu_form``).

Citizens ask the same few questions over and over (a Zipf-like head); 「普發現金什麼時候可以領？」
and 「普發現金 什麼時候可以領」 share one entry. Bounded (``maxsize`` entries, least recently used
dropped first) and thread-safe; its hit rate is measured by ``bench/nlu.py`` on a Zipf replay.
"""
from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any


class ParseCache:
    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self.hits = self.misses = 0
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return copy.deepcopy(found)

    def put(self, key: str, value: dict[str, Any]) -> None:
        if self.maxsize <= 0:
            return
        with self._lock:
            self._items[key] = copy.deepcopy(value)
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def stats(self) -> dict[str, Any]:
        return {"size": len(self), "maxsize": self.maxsize, "hits": self.hits, "misses": self.misses,
                "hit_rate": round(self.hit_rate, 4)}
