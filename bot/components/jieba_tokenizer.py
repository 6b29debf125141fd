"""JiebaTokenizer: word segmentation with the domain user dictionary stored inside the model.

The dictionary is copied into the model directory at training time so that a model served later
cuts words exactly as it did when trained, even if ``bot/resources/jieba_userdict.txt`` changed since.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from bot.components.base import Batch, Component
from bot.errors import ConfigError, MissingDependencyError

_DICT_NAME = "userdict.txt"


class JiebaTokenizer(Component):
    name = "JiebaTokenizer"
    defaults: dict[str, Any] = {"dictionary_path": None}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._tokenizer: Any = None
        self._dictionary: Path | None = None

    def train(self, batch: Batch, labels: list[str]) -> None:
        if self.config["dictionary_path"]:
            path = Path(self.config["dictionary_path"])
            if not path.is_file():
                raise ConfigError(f"JiebaTokenizer: dictionary_path {path} does not exist")
            self._dictionary = path
            self._tokenizer = None
        self.process(batch)

    def _jieba(self) -> Any:
        if self._tokenizer is None:
            try:
                import jieba
            except ImportError as exc:  # pragma: no cover - jieba is a core dependency
                raise MissingDependencyError(self.name, "jieba") from exc
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if self._dictionary is not None:
                with self._dictionary.open("rb") as handle:  # jieba leaves a path's file open
                    tokenizer.load_userdict(handle)
            self._tokenizer = tokenizer
        return self._tokenizer

    def process(self, batch: Batch) -> None:
        jieba = self._jieba()
        texts = batch.normalized or batch.texts
        batch.tokens = [[w for w in jieba.lcut(t) if w.strip()] for t in texts]

    def persist(self, directory: Path) -> None:
        super().persist(directory)
        if self._dictionary is not None:
            shutil.copyfile(self._dictionary, directory / _DICT_NAME)

    def restore(self, state: dict[str, Any], directory: Path) -> None:
        stored = directory / _DICT_NAME
        self._dictionary = stored if stored.is_file() else None
