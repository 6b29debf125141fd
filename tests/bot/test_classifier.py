"""LinearIntentClassifier's weight layout: every model and split gives features × classes float32."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bot.components.base import Batch
from bot.components.classifier import LinearIntentClassifier

TWO = sp.csr_matrix(np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=float))


@pytest.mark.parametrize("config", [{"model": "svm"}, {"model": "logreg"}, {"model": "svm", "n_jobs": 2}])
def test_two_classes_get_a_column_each_and_rank_right(config: dict) -> None:
    classifier = LinearIntentClassifier(config)
    classifier.train(Batch(texts=list("abcd"), features={"s": TWO}), ["x", "x", "y", "y"])
    batch = Batch(texts=["a", "c"], features={"s": TWO[[0, 2]]})
    classifier.process(batch)
    assert [r[0][0] for r in batch.rankings] == ["x", "y"]
    assert classifier.state()["weights_t"].shape == (2, 2)


def test_a_split_training_puts_each_part_in_its_own_columns() -> None:
    """n_jobs 2 fits the classes in two processes; each class's weights land in its own column."""
    rng = np.random.default_rng(0)
    classes = [f"c{i}" for i in range(7)]
    centres = rng.normal(size=(7, 20)) * 3
    rows = np.vstack([centres[i] + rng.normal(size=(12, 20)) for i in range(7)])
    X, labels = sp.csr_matrix(rows), [c for c in classes for _ in range(12)]
    single, split = LinearIntentClassifier({"n_jobs": 1}), LinearIntentClassifier({"n_jobs": 2})
    for classifier in (single, split):
        classifier.train(Batch(texts=[""] * len(labels), features={"s": X}), labels)
    a, b = single.state()["weights_t"], split.state()["weights_t"]
    assert a.shape == b.shape == (20, 7) and b.dtype == np.float32
    assert np.abs(a - b).max() < 0.05  # the same problems; only liblinear's coordinate order differs


def test_knn_similarities_survive_a_save_in_the_saved_orientation() -> None:
    """Each intent's kNN score is its best cosine; the state keeps examples × dims (models saved before
    the in-memory dims × examples layout load unchanged) and a restored copy scores the same."""
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(6, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = ["b", "a", "b", "a", "c", "c"]
    features = {"s": sp.csr_matrix(np.eye(6)), "v": vectors}
    trained = LinearIntentClassifier({"dense_mode": "knn"})
    trained.train(Batch(texts=list("uvwxyz"), features=features), labels)
    saved = trained.state()
    assert saved["neighbours"].shape == (6, 8)
    restored = LinearIntentClassifier({"dense_mode": "knn"})
    restored.restore(saved, None)
    query = rng.normal(size=(3, 8)).astype(np.float32)
    batch = {"s": sp.csr_matrix((3, 6)), "v": query}
    _, knn = restored.parts(Batch(texts=["q"] * 3, features=batch))
    expected = np.stack([(query @ vectors[[i for i, l in enumerate(labels) if l == c]].T).max(axis=1)
                         for c in ("a", "b", "c")], axis=1)
    assert np.allclose(knn, expected, atol=1e-5)
    assert np.allclose(trained.parts(Batch(texts=["q"] * 3, features=batch))[1], knn)
