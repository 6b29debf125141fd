"""Score-level cross-validation (bot.calibration), the fallback's CV-chosen rules, the SVM split over
worker processes and the English glossary of the normaliser."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bot import calibration as cal
from bot.components.base import Batch
from bot.components.classifier import LinearIntentClassifier
from bot.components.fallback import FallbackClassifier
from bot.text import english_to_chinese, nlu_form


def _scores(seed: int = 0, rows: int = 300) -> cal.FoldScores:
    rng = np.random.default_rng(seed)
    classes = ["ATM-001", "PST-001", "TIM-001", "greet", "out_of_scope"]
    expected = rng.choice([0, 1, 2, 4], size=rows)
    linear = rng.normal(size=(rows, len(classes))).astype(np.float32)
    linear[np.arange(rows), expected] += rng.uniform(0, 3, size=rows)
    knn = rng.uniform(0.2, 0.9, size=(rows, len(classes))).astype(np.float32)
    return cal.FoldScores(classes, linear, knn, [None if e == 4 else classes[e] for e in expected],
                          [f"t{i}" for i in range(rows)])


def test_threshold_sweep_counts_like_one_threshold_at_a_time() -> None:
    scores = _scores()
    s = cal.signals(scores, 3.0, 2.0)
    thresholds = np.array([0.3, 0.5, 0.7, 0.9])
    swept = cal.sweep(scores, s, 0.05, 0.3, 0.4, thresholds)
    faq = np.array([c[0].isupper() for c in scores.classes])
    expected = np.array([scores.classes.index(e) if e else -1 for e in scores.expected])
    for th, figures in zip(thresholds, swept):
        answered = faq[s.top] & (s.p1 >= th) & (s.p1 - s.p2 >= 0.05) & (s.p_oos < 0.3) & (s.similarity >= 0.4)
        inside = expected >= 0
        assert figures["success"] == round(float((answered & (s.top == expected))[inside].sum()) / inside.sum(), 4)
        assert figures["wrong"] == round(float((answered & (s.top != expected))[inside].sum()) / inside.sum(), 4)
        assert figures["oos_rejected"] == round(1 - float(answered[~inside].sum()) / (~inside).sum(), 4)


def test_tune_returns_the_best_setting_and_respects_a_wrong_answer_cap() -> None:
    scores = _scores(1)
    best = cal.tune(scores, knn_weights=(0.0, 2.0), temperatures=(1.0, 4.0), progress=lambda _m: None)
    s = cal.signals(scores, best["knn_weight"], best["temperature"])
    again = cal.figures(scores, s, best["threshold"], best["ambiguity_threshold"], best["oos_max"],
                        best["min_similarity"])
    assert again == best["cv"] and cal.objective(again) == pytest.approx(best["objective"], abs=1e-3)
    capped = cal.tune(scores, knn_weights=(0.0, 2.0), temperatures=(1.0, 4.0), max_wrong=0.01,
                      progress=lambda _m: None)
    assert capped["cv"]["wrong"] <= 0.01


def test_temperature_fit_prefers_calibrated_confidences() -> None:
    scores = _scores(2)
    assert cal.nll(scores, 0.0, 1.0) < cal.nll(scores, 0.0, 50.0)


@pytest.mark.parametrize(
    ("ranking", "similarity", "reason"),
    [
        ([("ATM-001", 0.9), ("out_of_scope", 0.06)], 0.9, "out_of_scope"),  # P(out of scope) ≥ out_of_scope_max
        ([("ATM-001", 0.97), ("out_of_scope", 0.01)], 0.9, None),
        ([("ATM-001", 0.97), ("PST-001", 0.01)], 0.3, "low_confidence"),  # far from every ATM-001 example
        ([("ATM-001", 0.5), ("PST-001", 0.4)], 0.9, "low_confidence"),
    ],
)
def test_fallback_rejects_out_of_scope_mass_and_unfamiliar_text(ranking: list[tuple[str, float]],
                                                                 similarity: float, reason: str | None) -> None:
    fallback = FallbackClassifier({"threshold": 0.8, "ambiguity_threshold": 0.0, "out_of_scope_max": 0.05,
                                   "min_similarity": 0.5})
    assert fallback.decide("ATM 幾點", ranking, similarity) == reason


def test_svm_split_over_processes_learns_the_same_model_as_one_fit() -> None:
    rng = np.random.default_rng(0)
    labels = [f"I-{i:03d}" for i in rng.integers(0, 12, size=400)]
    X = sp.csr_matrix(rng.random((400, 30)) * (rng.random((400, 30)) < 0.3))
    X = X + sp.csr_matrix((np.ones(400), ([*range(400)], [int(l[2:]) for l in labels])), shape=(400, 30))
    predictions = []
    for jobs in (1, 2, 3):
        classifier = LinearIntentClassifier({"n_jobs": jobs, "tol": 1e-5, "max_iter": 20000})
        batch = Batch(texts=["x"] * 400, features={"sparse": X.tocsr()})
        classifier.train(batch, labels)
        classifier.process(batch)
        predictions.append([r[0][0] for r in batch.rankings])
        assert list(classifier.intents) == sorted(set(labels))
    assert predictions[0] == predictions[1] == predictions[2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("我要 register 普發 的 deadline 是什麼時候？", "我要登記普發的期限是什麼時候"),
        ("我的 ARC 過期了 還可以 apply 嗎", "我的居留證過期了還可以申請"),
        ("how much cash at the post office", "多少現金at the郵局"),
        ("what should I eat for dinner", "what should i eat for dinner"),  # no glossary word: unchanged
        ("普發現金什麼時候可以領", "普發現金什麼時候可以領"),
        ("atmosphere", "atmosphere"),  # whole words only
    ],
)
def test_english_glossary_maps_mixed_questions_to_our_chinese(raw: str, expected: str) -> None:
    assert english_to_chinese(nlu_form(raw)) == expected
