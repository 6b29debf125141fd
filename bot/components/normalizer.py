"""TextNormalizer: full/half width, simplified→traditional, 台/臺 variants, 注音 particles."""
from __future__ import annotations

from bot.components.base import Batch, Component
from bot.text import normalize


class TextNormalizer(Component):
    name = "TextNormalizer"
    defaults: dict[str, object] = {}

    def process(self, batch: Batch) -> None:
        batch.normalized = [normalize(t) for t in batch.texts]
