"""Group similar missed questions so an engineer labels a whole cluster at once.

Texts are embedded by the domain static encoder (``bot/resources/static-zh``, or the copy inside
the served model), which was fine-tuned so that paraphrases of one question lie close and sibling
questions apart: one embedding space, so one calibrated distance (``DISTANCE``) separates topics
(tests/bot/test_clustering.py seeds a mix of six topics). The general-purpose e5 vectors put every
question about the handout at cosine ≥ 0.8 from each other, which merged 22 varied misses into a
single cluster. Without any static encoder, character TF-IDF is the fallback.
Grouping: average-linkage agglomerative clustering on cosine distance.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.pipeline import Pipeline
from bot.text import nlu_form

DISTANCE = 0.8
"""Average cosine distance under which misses share a cluster (static encoder space)."""
REPOSITORY_ENCODER = Path(__file__).resolve().parent / "resources" / "static-zh"


def _static_encoder(pipeline: Pipeline | None) -> Path | None:
    for component in pipeline.components if pipeline else []:
        if component.name == "SentenceEncoderFeaturizer" and component.config.get("backend") == "static":
            return Path(component.config["model"])
    return REPOSITORY_ENCODER if (REPOSITORY_ENCODER / "model.safetensors").is_file() else None


def embedder(pipeline: Pipeline | None) -> Callable[[list[str]], np.ndarray]:
    """A function from texts to unit vectors in which :data:`DISTANCE` separates topics."""
    path = _static_encoder(pipeline)
    if path is not None:
        from bot.static_encoder import StaticEncoder

        encoder = StaticEncoder(path)
        return lambda texts: encoder.encode([nlu_form(t) for t in texts])

    def tfidf(texts: list[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import TfidfVectorizer

        matrix = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform([nlu_form(t) for t in texts])
        return matrix.toarray().astype(np.float32)

    return tfidf


def cluster(vectors: np.ndarray, distance: float = DISTANCE) -> list[int]:
    """A cluster number per row (0 = the largest cluster)."""
    if len(vectors) < 2:
        return [0] * len(vectors)
    from sklearn.cluster import AgglomerativeClustering

    vectors = np.asarray(vectors, dtype=np.float32)
    if not np.any(vectors):
        return [0] * len(vectors)
    vectors = vectors + (np.linalg.norm(vectors, axis=1, keepdims=True) == 0) * 1e-6  # no zero rows for cosine
    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, metric="cosine",
                                     linkage="average").fit_predict(vectors)
    order = {label: rank for rank, (label, _) in enumerate(
        sorted(((lab, int((labels == lab).sum())) for lab in set(labels)), key=lambda x: -x[1]))}
    return [order[lab] for lab in labels]
