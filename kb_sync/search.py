"""Chinese-aware full-text search over KB questions and answers for the agent console.

Character uni- and bigrams over normalised text (so 簡體, 臺/台 and full-width forms match),
TF-IDF weighted, questions counted twice. Small enough (hundreds of entries) to rebuild on change.
"""
from __future__ import annotations

from typing import Any

from bot.text import normalize


class KBSearch:
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.entries = entries
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        documents = [normalize(f"{e['question']} {e['question']} {e['answer']} {e['id']}") for e in entries]
        self._matrix = self._vectorizer.fit_transform(documents) if entries else None

    def search(self, query: str, limit: int = 10) -> list[dict[str, Any]]:
        text = normalize(query)
        if not text or self._matrix is None:
            return []
        exact = [e for e in self.entries if e["id"].lower() == text]
        scores = (self._matrix @ self._vectorizer.transform([text]).T).toarray().ravel()
        ranked = [self.entries[i] for i in scores.argsort()[::-1][:limit] if scores[i] > 0]
        return (exact + [e for e in ranked if e not in exact])[:limit]
