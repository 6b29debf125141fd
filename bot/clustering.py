"""Group similar missed questions so an engineer labels a whole cluster at once.

Texts are embedded by the model's own sentence encoder when the pipeline has one (character
TF-IDF otherwise) and grouped by average-linkage agglomerative clustering on cosine distance.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bot.pipeline import Pipeline
from bot.text import normalize


def embedder(pipeline: Pipeline | None) -> Callable[[list[str]], np.ndarray]:
    encoder = next((c for c in (pipeline.components if pipeline else []) if c.name == "SentenceEncoderFeaturizer"),
                   None)
    if encoder is not None:
        return lambda texts: encoder.encode([normalize(t) for t in texts])  # type: ignore[attr-defined]

    def tfidf(texts: list[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import TfidfVectorizer

        matrix = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform([normalize(t) for t in texts])
        return matrix.toarray().astype(np.float32)

    return tfidf


def cluster(vectors: np.ndarray, distance: float = 0.25) -> list[int]:
    """A cluster number per row (0 = the largest cluster)."""
    if len(vectors) < 2:
        return [0] * len(vectors)
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, metric="cosine",
                                     linkage="average").fit_predict(vectors)
    order = {label: rank for rank, (label, _) in enumerate(
        sorted(((lab, int((labels == lab).sum())) for lab in set(labels)), key=lambda x: -x[1]))}
    return [order[lab] for lab in labels]
