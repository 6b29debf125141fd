"""FallbackClassifier: decides when the bot must not answer, and says why.

Three reasons, each logged: ``low_confidence`` (top confidence under ``threshold``),
``ambiguous`` (top two closer than ``ambiguity_threshold``), ``out_of_scope`` (the classifier's
best guess is one of ``out_of_scope_intents``). ``no_content`` marks empty or emoji-only input.
"""
from __future__ import annotations

import logging
from typing import Any

from bot.components.base import Batch, Component
from bot.text import has_content

log = logging.getLogger(__name__)


class FallbackClassifier(Component):
    name = "FallbackClassifier"
    defaults: dict[str, Any] = {
        "threshold": 0.3,
        "ambiguity_threshold": 0.1,
        "out_of_scope_intents": ["out_of_scope"],
    }

    def decide(self, text: str, ranking: list[tuple[str, float]]) -> str | None:
        if not has_content(text) or not ranking:
            return "no_content"
        top_name, top = ranking[0]
        if top_name in self.config["out_of_scope_intents"]:
            return "out_of_scope"
        if top < self.config["threshold"]:
            return "low_confidence"
        if len(ranking) > 1 and top - ranking[1][1] < self.config["ambiguity_threshold"]:
            return "ambiguous"
        return None

    def process(self, batch: Batch) -> None:
        batch.fallback_reasons = [
            self.decide(text, ranking) for text, ranking in zip(batch.texts, batch.rankings or [[]] * len(batch))
        ]
        for text_len, reason, ranking in zip(map(len, batch.texts), batch.fallback_reasons, batch.rankings):
            if reason:
                log.debug("fallback: %s (top=%s, chars=%d)", reason, ranking[:2] if ranking else None, text_len)
