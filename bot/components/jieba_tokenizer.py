"""JiebaTokenizer: word segmentation with the domain user dictionary stored inside the model.

The dictionary is copied into the model directory at training time so that a model served later
cuts words exactly as it did when trained, even if ``bot/resources/jieba_userdict.txt`` changed since.
"""
from __future__ import annotations

import hashlib
import io
import logging
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from bot.components.base import Batch, Component
from bot.errors import ConfigError, MissingDependencyError

_DICT_NAME = "userdict.txt"


_DICTIONARIES: dict[str, bytes] = {}


@lru_cache(maxsize=4)
def _shared_tokenizer(digest: str) -> Any:
    """One jieba tokenizer per dictionary content, shared by the pipelines of this process."""
    try:
        import jieba
    except ImportError as exc:  # pragma: no cover - jieba is a core dependency
        raise MissingDependencyError(JiebaTokenizer.name, "jieba") from exc
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    if digest:
        tokenizer.load_userdict(io.BytesIO(_DICTIONARIES[digest]))  # jieba leaves a path's file open
    return tokenizer


@lru_cache(maxsize=65536)
def _cut(digest: str, text: str) -> tuple[str, ...]:
    return tuple(w for w in _shared_tokenizer(digest).lcut(text) if w.strip())


class JiebaTokenizer(Component):
    name = "JiebaTokenizer"
    defaults: ClassVar[dict[str, Any]] = {"dictionary_path": None}

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
            self._tokenizer = _shared_tokenizer(self._dictionary_key())
        return self._tokenizer

    def _dictionary_key(self) -> str:
        """The dictionary's content hash ("" without one): the key of the shared tokenizer and cuts."""
        if self._dictionary is None:
            return ""
        content = self._dictionary.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        _DICTIONARIES.setdefault(digest, content)
        return digest

    def process(self, batch: Batch) -> None:
        texts = batch.normalized or batch.texts
        if len(texts) > 1:  # training and batches: memoised per dictionary (a retrain re-cuts the same texts)
            key = self._dictionary_key()
            batch.tokens = [list(_cut(key, t)) for t in texts]
        else:
            jieba = self._jieba()
            batch.tokens = [[w for w in jieba.lcut(t) if w.strip()] for t in texts]

    def persist(self, directory: Path) -> None:
        super().persist(directory)
        if self._dictionary is not None:
            shutil.copyfile(self._dictionary, directory / _DICT_NAME)

    def restore(self, state: dict[str, Any], directory: Path) -> None:
        stored = directory / _DICT_NAME
        self._dictionary = stored if stored.is_file() else None
