"""TextNormalizer: full/half width, simplified→traditional, 台/臺 variants, 注音 particles,
no punctuation, emoji or trailing particles (``bot.text.nlu_form``)."""
from __future__ import annotations

from bot.components.base import Batch, Component
from bot.text import nlu_form


class TextNormalizer(Component):
    name = "TextNormalizer"
    defaults: dict[str, object] = {}

    def process(self, batch: Batch) -> None:
        if len(batch.normalized) != len(batch.texts):  # the pipeline may have normalised already
            batch.normalized = [nlu_form(t) for t in batch.texts]
