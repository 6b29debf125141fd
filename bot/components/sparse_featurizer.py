"""SparseNgramFeaturizer: TF-IDF over jieba word n-grams and character n-grams.

Character n-grams carry typos, 注音 and unseen compounds; word n-grams carry the jieba cut
with the domain dictionary. Both are sublinear TF-IDF, stacked side by side.
"""
from __future__ import annotations

from typing import Any

import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.components.base import Batch, Component


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class SparseNgramFeaturizer(Component):
    name = "SparseNgramFeaturizer"
    defaults: dict[str, Any] = {
        "word_ngrams": [1, 2],
        "char_ngrams": [1, 3],
        "min_df": 1,
        "max_features": 200_000,
    }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._word: TfidfVectorizer | None = None
        self._char: TfidfVectorizer | None = None

    def train(self, batch: Batch, labels: list[str]) -> None:
        low, high = self.config["word_ngrams"]
        self._word = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=self.config["min_df"],
            max_features=self.config["max_features"],
        )
        self._word.fit([self._word_grams(t, low, high) for t in batch.tokens])
        clow, chigh = self.config["char_ngrams"]
        self._char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(clow, chigh), sublinear_tf=True,
            min_df=self.config["min_df"], max_features=self.config["max_features"],
        )
        self._char.fit(batch.normalized)
        self.process(batch)

    @staticmethod
    def _word_grams(tokens: list[str], low: int, high: int) -> list[str]:
        grams = []
        for n in range(low, high + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def process(self, batch: Batch) -> None:
        assert self._word is not None and self._char is not None, "featurizer is not trained"
        low, high = self.config["word_ngrams"]
        words = self._word.transform([self._word_grams(t, low, high) for t in batch.tokens])
        chars = self._char.transform(batch.normalized)
        batch.features[self.name] = sp.hstack([words, chars], format="csr") / (2**0.5)

    def state(self) -> dict[str, Any]:
        return {"word": self._word, "char": self._char}

    def restore(self, state: dict[str, Any], directory: Any) -> None:
        self._word, self._char = state["word"], state["char"]
