"""LinearIntentClassifier: a linear model over every featurizer's output, stacked.

``model: svm`` (LinearSVC, one-vs-rest) turns decision values into confidences with a softmax at
``temperature``; ``model: logreg`` uses multinomial logistic regression probabilities. Both rank
all intents; the top ``ranking_length`` go out.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from bot.components.base import Batch, Component
from bot.errors import ConfigError

_MODELS = ("svm", "logreg")


def stack_features(batch: Batch) -> sp.csr_matrix:
    """All featurizer matrices side by side, in a fixed (sorted) order."""
    if not batch.features:
        raise ConfigError("LinearIntentClassifier needs at least one featurizer before it in the pipeline")
    blocks = [batch.features[k] for k in sorted(batch.features)]
    return sp.hstack([sp.csr_matrix(b) for b in blocks], format="csr")


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class LinearIntentClassifier(Component):
    name = "LinearIntentClassifier"
    defaults: dict[str, Any] = {
        "model": "svm",
        "C": 1.0,
        "temperature": 10.0,
        "max_iter": 2000,
        "ranking_length": 10,
        "class_weight": None,
    }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        if self.config["model"] not in _MODELS:
            raise ConfigError(f"{self.name}: model must be one of {_MODELS}, not {self.config['model']!r}")
        self._estimator: Any = None

    def train(self, batch: Batch, labels: list[str]) -> None:
        X = stack_features(batch)
        if self.config["model"] == "svm":
            from sklearn.svm import LinearSVC

            est: Any = LinearSVC(C=self.config["C"], max_iter=self.config["max_iter"],
                                 class_weight=self.config["class_weight"])
        else:
            from sklearn.linear_model import LogisticRegression

            est = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                     class_weight=self.config["class_weight"])
        est.fit(X, labels)
        self._estimator = est
        self.process(batch)

    def confidences(self, X: sp.csr_matrix) -> np.ndarray:
        if self.config["model"] == "svm":
            return softmax(self._estimator.decision_function(X), float(self.config["temperature"]))
        return self._estimator.predict_proba(X)

    def process(self, batch: Batch) -> None:
        assert self._estimator is not None, "classifier is not trained"
        probs = self.confidences(stack_features(batch))
        classes = self._estimator.classes_
        k = min(int(self.config["ranking_length"]), len(classes))
        top = np.argsort(-probs, axis=1)[:, :k]
        batch.rankings = [
            [(str(classes[j]), float(probs[i, j])) for j in row] for i, row in enumerate(top)
        ]

    @property
    def intents(self) -> list[str]:
        return [str(c) for c in self._estimator.classes_]

    def state(self) -> dict[str, Any]:
        return {"estimator": self._estimator}

    def restore(self, state: dict[str, Any], directory: Any) -> None:
        self._estimator = state["estimator"]
