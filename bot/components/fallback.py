"""FallbackClassifier: decides when the bot must not answer, and says why.

Reasons, each logged: ``low_confidence`` (top confidence under ``threshold``), ``ambiguous`` (top
two closer than ``ambiguity_threshold``), ``out_of_scope`` (the classifier's best guess is one of
``out_of_scope_intents``, or they hold at least ``out_of_scope_max`` of the confidence). A
confident-looking guess far from anything we trained on (no training example of the top intent
within cosine ``min_similarity``) is ``low_confidence`` too: the reasons the miss log and the
dialogue know stay the same. ``no_content`` marks empty or
emoji-only input. All knobs are chosen together by cross-validation (``bot.calibration``).
"""
from __future__ import annotations

import logging
from typing import Any, ClassVar

from bot.components.base import Batch, Component
from bot.text import has_content

log = logging.getLogger(__name__)


class FallbackClassifier(Component):
    name = "FallbackClassifier"
    defaults: ClassVar[dict[str, Any]] = {
        "threshold": 0.3,
        "ambiguity_threshold": 0.1,
        "out_of_scope_intents": ["out_of_scope"],
        "out_of_scope_max": 1.01,  # > 1: off
        "min_similarity": 0.0,  # 0: off
    }

    def decide(self, text: str, ranking: list[tuple[str, float]], similarity: float | None = None) -> str | None:
        if not has_content(text) or not ranking:
            return "no_content"
        top_name, top = ranking[0]
        oos = self.config["out_of_scope_intents"]
        if top_name in oos or sum(c for n, c in ranking if n in oos) >= self.config["out_of_scope_max"]:
            return "out_of_scope"
        if top < self.config["threshold"]:
            return "low_confidence"
        if len(ranking) > 1 and top - ranking[1][1] < self.config["ambiguity_threshold"]:
            return "ambiguous"
        if similarity is not None and similarity < self.config["min_similarity"]:
            return "low_confidence"
        return None

    def process(self, batch: Batch) -> None:
        rankings = batch.rankings or [[]] * len(batch)
        similarities: list[float | None] = list(batch.similarities) or [None] * len(batch)
        batch.fallback_reasons = [
            self.decide(text, ranking, similarity)
            for text, ranking, similarity in zip(batch.texts, rankings, similarities)
        ]
        for text_len, reason, ranking in zip(map(len, batch.texts), batch.fallback_reasons, batch.rankings):
            if reason:
                log.debug("fallback: %s (top=%s, chars=%d)", reason, ranking[:2] if ranking else None, text_len)
