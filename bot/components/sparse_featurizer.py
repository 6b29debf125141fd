"""SparseNgramFeaturizer: TF-IDF over jieba word n-grams, character n-grams and pinyin n-grams.

Character n-grams carry typos, 注音 and unseen compounds; word n-grams carry the jieba cut
with the domain dictionary; toneless pinyin syllables (pypinyin) make homophone typos such as
登計/登記 or 帳護/帳戶 look alike. All are sublinear TF-IDF, stacked side by side.
"""
from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.components.base import Batch, Component


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _syllables(text: str) -> list[str]:
    """Toneless pinyin per Chinese character; other runs (Latin, digits) kept as they are."""
    return list(_cached_syllables(text))


@lru_cache(maxsize=65536)
def _cached_syllables(text: str) -> tuple[str, ...]:
    """Memoised: a retrain in the same process (the engineer's loop) re-reads the same 15k texts."""
    from pypinyin import lazy_pinyin  # lazy: loads its dictionary on first use

    return tuple(s.strip() for s in lazy_pinyin(text) if s.strip())


FAST_BATCH = 32
"""Batches up to this size skip sklearn's ``transform`` (≈1 ms of validation per call, three calls
per parse) for a plain-Python equivalent; tests/bot/test_pipeline.py checks they agree."""


def fast_transform(vectorizer: TfidfVectorizer, docs: list[Any]) -> sp.csr_matrix:
    """``vectorizer.transform(docs)`` for a fitted sublinear-tf, l2-normalised TfidfVectorizer."""
    analyze = vectorizer.build_analyzer()
    vocabulary, idf = vectorizer.vocabulary_, vectorizer.idf_
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for doc in docs:
        counts = Counter(j for j in map(vocabulary.get, analyze(doc)) if j is not None)
        row = sorted((j, (1.0 + math.log(n)) * idf[j]) for j, n in counts.items())
        norm = math.sqrt(sum(v * v for _, v in row)) or 1.0
        indices.extend(j for j, _ in row)
        data.extend(v / norm for _, v in row)
        indptr.append(len(indices))
    return sp.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32),
                          np.asarray(indptr, dtype=np.int32)), shape=(len(docs), len(vocabulary)))


class SparseNgramFeaturizer(Component):
    name = "SparseNgramFeaturizer"
    defaults: ClassVar[dict[str, Any]] = {
        "word_ngrams": [1, 2],
        "char_ngrams": [1, 3],  # config.yml uses [1, 2] and pinyin [1, 1]: half the features, an
        "pinyin_ngrams": [1, 2],  # SVM 5–10× faster to train, no worse in CV (bench/pipelines.py)
        "min_df": 1,
        "max_features": 200_000,
    }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._word: TfidfVectorizer | None = None
        self._char: TfidfVectorizer | None = None
        self._pinyin: TfidfVectorizer | None = None

    def train(self, batch: Batch, labels: list[str]) -> None:
        """Fit the vectorizers and featurise the training texts in one pass (``fit_transform``: each
        text is analysed once, not once to fit and again to transform; the same matrix)."""
        low, high = self.config["word_ngrams"]
        self._word = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=self.config["min_df"],
            max_features=self.config["max_features"],
        )
        blocks = [self._word.fit_transform([self._word_grams(t, low, high) for t in batch.tokens])]
        clow, chigh = self.config["char_ngrams"]
        self._char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(clow, chigh), sublinear_tf=True,
            min_df=self.config["min_df"], max_features=self.config["max_features"],
        )
        blocks.append(self._char.fit_transform(batch.normalized))
        self._pinyin = None
        if self.config["pinyin_ngrams"]:
            plow, phigh = self.config["pinyin_ngrams"]
            self._pinyin = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=self.config["min_df"],
                                           max_features=self.config["max_features"])
            blocks.append(self._pinyin.fit_transform([self._word_grams(_syllables(t), plow, phigh)
                                                      for t in batch.normalized]))
        batch.features[self.name] = sp.hstack(blocks, format="csr") / (len(blocks) ** 0.5)

    @staticmethod
    def _word_grams(tokens: list[str], low: int, high: int) -> list[str]:
        grams: list[str] = []
        for n in range(low, high + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def process(self, batch: Batch) -> None:
        assert self._word is not None and self._char is not None, "featurizer is not trained"
        low, high = self.config["word_ngrams"]
        transform = fast_transform if len(batch) <= FAST_BATCH else (lambda v, docs: v.transform(docs))
        words = transform(self._word, [self._word_grams(t, low, high) for t in batch.tokens])
        blocks = [words, transform(self._char, batch.normalized)]
        if self._pinyin is not None:
            plow, phigh = self.config["pinyin_ngrams"]
            blocks.append(transform(self._pinyin, [self._word_grams(_syllables(t), plow, phigh)
                                                   for t in batch.normalized]))
        batch.features[self.name] = sp.hstack(blocks, format="csr") / (len(blocks) ** 0.5)

    def state(self) -> dict[str, Any]:
        return {"word": self._word, "char": self._char, "pinyin": self._pinyin}

    def restore(self, state: dict[str, Any], directory: Any) -> None:
        self._word, self._char, self._pinyin = state["word"], state["char"], state["pinyin"]
