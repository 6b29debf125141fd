"""LinearIntentClassifier: a linear model over sparse n-grams, fused with nearest neighbours in
the sentence-embedding space.

Sparse features (every scipy matrix in the batch) go to a one-vs-rest linear SVM (``model: svm``)
or multinomial logistic regression (``model: logreg``). Dense sentence embeddings are used either
as neighbours (``dense_mode: knn``, the default: for each intent, the best cosine similarity to
one of its training examples, added to the linear scores with weight ``knn_weight``) or stacked
next to the sparse columns (``dense_mode: stack``). Scores become confidences through a softmax at
``temperature`` (for ``logreg``, temperature 1 gives its own probabilities). The kNN fusion was
the best measured combination (README, "NLU pipelines").

The fitted weights are kept transposed, float32 and C-contiguous, so scoring one message touches
only the rows of its non-zero n-grams (sklearn's own decision_function copies the whole matrix).
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from bot.components.base import Batch, Component
from bot.errors import ConfigError

_MODELS = ("svm", "logreg")
_DENSE_MODES = ("knn", "stack")


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


_REST = "\uffff"  # sorts after every intent name


def _fit_part(X: sp.csr_matrix, y: np.ndarray, part: np.ndarray | None, options: dict[str, Any]
              ) -> tuple[np.ndarray, np.ndarray]:
    """LinearSVC on ``part``'s classes (all when None), the other classes merged into one rest label.

    liblinear trains one-vs-rest: class k's problem weighs its positives by ``C·class_weight[k]`` and
    every negative by ``C``, so the rest label's own weight changes nothing but the rest label's own
    problem (whose row is dropped); a tiny weight makes that problem almost free to solve."""
    from sklearn.svm import LinearSVC

    if part is None:
        est = LinearSVC(**options, random_state=0)  # liblinear shuffles: the same data, the same model
        est.fit(X, y)
        return np.atleast_2d(est.coef_), np.atleast_1d(est.intercept_)
    weights = options.get("class_weight")
    if weights is None or isinstance(weights, dict):
        options = {**options, "class_weight": {**(weights or {}), _REST: _REST_WEIGHT}}
    est = LinearSVC(**options, random_state=0)
    est.fit(X, np.where(np.isin(y, part), y, _REST))
    keep = est.classes_ != _REST
    return est.coef_[keep], est.intercept_[keep]


_REST_WEIGHT = 1e-6


def _fit_part_float32(X: sp.csr_matrix, y: np.ndarray, part: np.ndarray | None, options: dict[str, Any]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``_fit_part`` for a worker process: the weights come back as float32, the precision they are
    kept in anyway, so half the bytes are pickled back (353 classes × 70k features: 0.3 → 0.15 s)."""
    coef, bias = _fit_part(X, y, part, options)
    return coef.astype(np.float32), bias


def _transposed(coef: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """features × classes float32 weights; with two classes sklearn keeps one row, made two here."""
    if coef.shape[0] == 1:
        coef, bias = np.vstack([-coef, coef]), np.array([-bias[0], bias[0]])
    return np.ascontiguousarray(coef.T, dtype=np.float32), bias


class LinearIntentClassifier(Component):
    name = "LinearIntentClassifier"
    defaults: ClassVar[dict[str, Any]] = {
        "model": "svm",
        "C": 1.0,
        "temperature": 10.0,
        "max_iter": 2000,
        "tol": 0.01,  # sklearn's 1e-4 trains 2× longer for the same predictions (measured)
        "ranking_length": 10,
        "class_weight": None,
        "dense_mode": "knn",
        "knn_weight": 15.0,
        "n_jobs": 1,  # > 1: the one-vs-rest problems split over this and n_jobs - 1 worker processes
    }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        if self.config["model"] not in _MODELS:
            raise ConfigError(f"{self.name}: model must be one of {_MODELS}, not {self.config['model']!r}")
        if self.config["dense_mode"] not in _DENSE_MODES:
            raise ConfigError(f"{self.name}: dense_mode must be one of {_DENSE_MODES}")
        self._classes: np.ndarray | None = None
        self._weights_t: np.ndarray | None = None  # features × classes
        self._bias: np.ndarray | None = None
        # training embeddings, dims × examples (examples grouped by class order), C-contiguous: the
        # layout OpenBLAS multiplies fastest for one question (25k examples: 0.8 ms, 2.1 ms transposed)
        self._neighbours_t: np.ndarray | None = None
        self._starts: np.ndarray | None = None  # first example of each class in _neighbours_t

    def _split(self, batch: Batch) -> tuple[sp.csr_matrix | None, np.ndarray | None]:
        if not batch.features:
            raise ConfigError(f"{self.name} needs at least one featurizer before it in the pipeline")
        sparse = [batch.features[k] for k in sorted(batch.features) if sp.issparse(batch.features[k])]
        dense = [batch.features[k] for k in sorted(batch.features) if not sp.issparse(batch.features[k])]
        dense_matrix = np.hstack(dense).astype(np.float32) if dense else None
        if dense_matrix is not None and self.config["dense_mode"] == "stack":
            sparse.append(sp.csr_matrix(dense_matrix))
            dense_matrix = None
        return (sp.hstack(sparse, format="csr") if sparse else None), dense_matrix

    def train(self, batch: Batch, labels: list[str]) -> None:
        X, dense = self._split(batch)
        y = np.asarray(labels)
        if X is None:  # dense only: a linear model on the embeddings
            X, dense = sp.csr_matrix(dense), None
        if self.config["model"] == "svm":
            classes, weights_t, bias = self._fit_svm(X, y)
        else:
            from sklearn.linear_model import LogisticRegression

            est = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"], tol=self.config["tol"],
                                     class_weight=self.config["class_weight"])
            est.fit(X, y)
            classes = est.classes_
            weights_t, bias = _transposed(np.atleast_2d(est.coef_), np.atleast_1d(est.intercept_))
        self._classes = classes
        self._weights_t = weights_t
        self._bias = bias.astype(np.float32)
        self._neighbours_t = self._starts = None
        if dense is not None:
            order = np.argsort(y, kind="stable")  # np.unique order == classes_ order
            self._neighbours_t = np.ascontiguousarray(dense[order].T)
            self._starts = np.searchsorted(y[order], classes)
        batch.rankings = []  # nothing after a classifier learns from the training set's own rankings:
        # ranking 15k examples against their 15k neighbours cost 3 s and 1 GB of every retrain

    def _fit_svm(self, X: sp.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One-vs-rest linear SVMs, the classes split into ``n_jobs`` parts: this process fits one
        part while worker processes (loky, reused from one training to the next) fit the others.
        Processes, not threads: liblinear releases the GIL while it trains, but its random
        generator (the coordinate order) is one global per process, so two threads would interleave
        their draws and the same data would no longer give the same model. Each part relabels the
        other parts' classes as one rest label, which leaves every binary problem of its own
        classes as in a single fit (the coordinate order differs: a model trained with ``n_jobs`` 2
        is as deterministic as with 1, not bit-identical to it); the rest label's row is dropped."""
        classes = np.unique(y)
        jobs = max(1, min(int(self.config["n_jobs"]), len(classes) // 2))
        options = {k: self.config[k] for k in ("C", "max_iter", "tol", "class_weight")}
        if jobs == 1 or len(classes) < 3:
            return (classes, *_transposed(*_fit_part(X, y, None, options)))
        from joblib.externals.loky import get_reusable_executor

        parts = [classes[i::jobs] for i in range(jobs)]
        executor = get_reusable_executor(max_workers=jobs - 1, timeout=600)
        futures = [executor.submit(_fit_part_float32, X, y, part, options) for part in parts[1:]]
        # Each part's rows (float64 here, float32 from the worker) go straight into their columns of
        # the float32 result: stacking and re-ordering the parts first cost two more classes ×
        # features float64 copies (300 MB).
        weights_t = np.empty((X.shape[1], len(classes)), dtype=np.float32)
        bias = np.empty(len(classes), dtype=np.float64)
        column = {c: j for j, c in enumerate(classes)}
        for part, result in zip(parts, [None, *futures]):
            coef, part_bias = _fit_part(X, y, part, options) if result is None else result.result()
            idx = [column[c] for c in part]
            weights_t[:, idx] = coef.T
            bias[idx] = part_bias
            del coef
        return classes, weights_t, bias

    def parts(self, batch: Batch) -> tuple[np.ndarray, np.ndarray | None]:
        """Linear scores and, with kNN fusion, each intent's best cosine similarity (texts × classes)."""
        X, dense = self._split(batch)
        if X is None:
            X, dense = sp.csr_matrix(dense), None
        linear = np.asarray(X.astype(np.float32) @ self._weights_t) + self._bias
        if dense is not None and self._neighbours_t is not None and self._starts is not None:
            return linear, np.maximum.reduceat(dense @ self._neighbours_t, self._starts, axis=1)
        return linear, None

    def scores(self, batch: Batch) -> np.ndarray:
        linear, knn = self.parts(batch)
        return linear if knn is None else linear + self.config["knn_weight"] * knn

    def process(self, batch: Batch) -> None:
        assert self._classes is not None, "classifier is not trained"
        linear, knn = self.parts(batch)
        fused = linear if knn is None else linear + self.config["knn_weight"] * knn
        probs = softmax(fused, float(self.config["temperature"]))
        classes = self._classes
        k = min(int(self.config["ranking_length"]), len(classes))
        top = np.argsort(-probs, axis=1)[:, :k]
        batch.similarities = [] if knn is None else [float(knn[i, row[0]]) for i, row in enumerate(top)]
        batch.rankings = [
            [(str(classes[j]), float(probs[i, j])) for j in row] for i, row in enumerate(top)
        ]

    @property
    def intents(self) -> list[str]:
        return [str(c) for c in self._classes] if self._classes is not None else []

    def state(self) -> dict[str, Any]:
        return {"classes": self._classes, "weights_t": self._weights_t, "bias": self._bias,
                "neighbours": None if self._neighbours_t is None else self._neighbours_t.T,  # examples × dims
                "starts": self._starts}

    def restore(self, state: dict[str, Any], directory: Any) -> None:
        self._classes, self._weights_t, self._bias = state["classes"], state["weights_t"], state["bias"]
        neighbours = state["neighbours"]
        self._neighbours_t = None if neighbours is None else np.ascontiguousarray(neighbours.T)
        self._starts = state["starts"]
