"""KB lint: near-duplicate questions (also across agencies) and entries short of training data."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.text import normalize
from bot.training_data import load_training_data


@dataclass
class LintReport:
    near_duplicates: list[dict[str, Any]]
    missing_training: list[str]
    thin_training: dict[str, int]
    min_examples: int

    @property
    def ok(self) -> bool:
        return not (self.missing_training or self.thin_training)


def near_duplicates(entries: list[dict[str, Any]], threshold: float = 0.6) -> list[dict[str, Any]]:
    """Question pairs whose character-bigram TF-IDF cosine is at least ``threshold``."""
    if len(entries) < 2:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    questions = [normalize(e["question"]) for e in entries]
    matrix = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform(questions)
    similarity = (matrix @ matrix.T).tocoo()
    pairs = []
    for i, j, score in zip(similarity.row, similarity.col, similarity.data):
        if i < j and score >= threshold:
            a, b = entries[i], entries[j]
            pairs.append({"a": a["id"], "b": b["id"], "similarity": round(float(score), 3),
                          "cross_agency": a["agency"] != b["agency"],
                          "question_a": a["question"], "question_b": b["question"]})
    return sorted(pairs, key=lambda p: -p["similarity"])


def lint(entries: list[dict[str, Any]], nlu_dir: Path, min_examples: int = 8,
         threshold: float = 0.6) -> LintReport:
    data = load_training_data(nlu_dir)
    missing = [e["id"] for e in entries if e["id"] not in data.examples]
    thin = {e["id"]: len(data.examples[e["id"]]) for e in entries
            if e["id"] in data.examples and len(data.examples[e["id"]]) < min_examples}
    return LintReport(near_duplicates(entries, threshold), missing, thin, min_examples)
