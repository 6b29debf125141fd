"""TextNormalizer: full/half width, simplified→traditional, 台/臺 variants, 注音 particles,
no punctuation, emoji or trailing particles (``bot.text.nlu_form``); with ``english_glossary``
the English words of mixed questions become the Chinese our data uses (``bot.text.english_to_chinese``)."""
from __future__ import annotations

from typing import ClassVar

from bot.components.base import Batch, Component
from bot.text import english_to_chinese, nlu_form


class TextNormalizer(Component):
    name = "TextNormalizer"
    defaults: ClassVar[dict[str, object]] = {"english_glossary": False}

    def process(self, batch: Batch) -> None:
        if len(batch.normalized) != len(batch.texts):  # the pipeline may have normalised already
            batch.normalized = [nlu_form(t) for t in batch.texts]
        if self.config["english_glossary"]:
            batch.normalized = [english_to_chinese(t) for t in batch.normalized]
