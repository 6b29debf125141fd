"""Honest model selection: grouped k-fold cross-validation over our own training data.

Paraphrases of one question written together are near-copies of each other (the same sentence
with a typo, in simplified characters, with a particle more). If one of them trains and its twin
is tested, the score measures memory, not generalisation. So examples are grouped into
*families* — within an intent, the connected components of "character-bigram Jaccard ≥ 0.5" —
and a family is never split across folds. Leave-one-style-out uses a style guessed from the text
(``guess_style``) for the styles that can be recognised.

The fallback thresholds are chosen on the pooled out-of-fold predictions (``choose_thresholds``);
the dev set is only ever used for the final report (``bench/pipelines.py``).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from bot.evaluate import EvalRow, evaluate
from bot.intents import is_faq
from bot.text import nlu_form, normalize

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995)
GAPS = (0.0, 0.05, 0.1, 0.2, 0.3)
OOS_INTENT = "out_of_scope"


def score(report: dict[str, Any]) -> float:
    """What the thresholds maximise: a wrong answer costs three successes; rejecting out-of-scope
    questions counts half (the acceptance asks ≥ 96 % success, ≤ 1 % wrong, ≥ 95 % rejected)."""
    return report["success"] - 3 * report["wrong"] + 0.5 * report["oos_rejected"]


def _bigrams(text: str) -> set[str]:
    t = nlu_form(text)
    return {t[i : i + 2] for i in range(len(t) - 1)} or {t}


def families(pairs: list[tuple[str, str]], jaccard: float = 0.5, open_topics: int = 30) -> list[int]:
    """A family id per (text, intent): near-copies within one intent share a family, and so does
    every out-of-scope example of one *topic* (``open_topics`` k-means clusters; 0: no topics).

    Why topics: the KB intents are a closed set — a real question belongs to one we trained — but
    out of scope is open: a real out-of-scope question is usually on a subject none of our examples
    covers (another benefit, another office, chit-chat of a kind we never wrote). Holding out whole
    topics makes cross-validation measure that, instead of rejecting a cousin of a trained sentence."""
    parent = list(range(len(pairs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_intent: dict[str, list[int]] = {}
    for index, (_, intent) in enumerate(pairs):
        by_intent.setdefault(intent, []).append(index)
    grams = [_bigrams(t) for t, _ in pairs]
    for members in by_intent.values():
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1 :]:
                inter = len(grams[a] & grams[b])
                if inter and inter / len(grams[a] | grams[b]) >= jaccard:
                    parent[find(a)] = find(b)
    oos = by_intent.get(OOS_INTENT, [])
    if open_topics and len(oos) > open_topics:
        for members in _topics([pairs[i][0] for i in oos], open_topics):
            for member in members[1:]:
                parent[find(oos[member])] = find(oos[members[0]])
    return [find(i) for i in range(len(pairs))]


def _topics(texts: list[str], k: int) -> list[list[int]]:
    """k-means over character 1–2-gram TF-IDF of the normalised texts (seeded): members per topic."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2).fit_transform(
        [nlu_form(t) or t for t in texts])
    labels = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(matrix)
    return [list(np.flatnonzero(labels == topic)) for topic in range(k) if (labels == topic).any()]


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ZHUYIN = re.compile(r"[\u3105-\u3129]")


def guess_style(text: str) -> str:
    """One of the unseen set's styles when the text shows it, else ``colloquial``."""
    words = [w for w in _LATIN_WORD.findall(text) if w.upper() not in {"ATM", "OK", "APP", "QR"}]
    if words:
        return "mixed_en"
    if normalize(text) != text.lower().strip() and not _ZHUYIN.search(text) and any(
            "\u4e00" <= ch <= "\u9fff" for ch in text):
        from bot.text import _simplified_to_traditional

        if _simplified_to_traditional().convert(text) != text:
            return "simplified"
    if _ZHUYIN.search(text):
        return "typo"
    if " " in text.strip() and not re.search(r"[，。？！,?!]", text):
        return "keywords"
    if len(text) >= 40:
        return "long"
    return "colloquial"


def eval_row(text: str, intent: str) -> EvalRow | None:
    """A held-out training example as an evaluation row; conversation intents are not scored."""
    if intent == OOS_INTENT:
        return EvalRow(text, None, [])
    return EvalRow(text, intent, []) if is_faq(intent) else None


def cross_validate(pairs: list[tuple[str, str]], train_and_parse: Callable[[list[tuple[str, str]], list[str]],
                   list[dict[str, Any]]], folds: int = 5, groups: list[Any] | None = None,
                   seed: int = 0) -> tuple[list[EvalRow], list[dict[str, Any]]]:
    """Out-of-fold predictions for every scored example. ``train_and_parse(train_pairs, texts)``
    trains a fresh pipeline and parses the held-out texts. ``groups`` defaults to families."""
    from sklearn.model_selection import GroupKFold

    groups = groups if groups is not None else families(pairs)
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    rows: list[EvalRow] = []
    results: list[dict[str, Any]] = []
    indices = np.arange(len(pairs))
    for train_idx, test_idx in splitter.split(indices, groups=groups):
        held = [(pairs[i][0], row) for i in test_idx if (row := eval_row(*pairs[i])) is not None]
        parsed = train_and_parse([pairs[i] for i in train_idx], [t for t, _ in held])
        rows += [r for _, r in held]
        results += parsed
    return rows, results


def rescore(results: list[dict[str, Any]], decide: Callable[[str, list[tuple[str, float]]], str | None]
            ) -> list[dict[str, Any]]:
    """The same rankings with another fallback decision (thresholds are cheap to re-run)."""
    from bot.pipeline import Pipeline

    out = []
    for r in results:
        ranking = [(x["name"], x["confidence"]) for x in r["intent_ranking"]]
        out.append(Pipeline._result(r["text"], ranking, decide(r["text"], ranking)))
    return out


def choose_thresholds(rows: list[EvalRow], results: list[dict[str, Any]], fallback: Any
                      ) -> dict[str, Any]:
    """The (threshold, ambiguity_threshold) with the best :func:`score` on these predictions."""
    best: dict[str, Any] | None = None
    saved = dict(fallback.config)
    for threshold in THRESHOLDS:
        for gap in GAPS:
            fallback.config.update(threshold=threshold, ambiguity_threshold=gap)
            report = evaluate(rows, rescore(results, fallback.decide))
            if best is None or score(report) > best["score"] + 1e-9:
                best = {"score": score(report), "threshold": threshold, "ambiguity_threshold": gap,
                        "report": report}
    fallback.config.clear()
    fallback.config.update(saved)
    assert best is not None
    return best


def summary(report: dict[str, Any]) -> dict[str, float]:
    return {k: report[k] for k in ("success", "wrong", "oos_rejected", "wrong_overall")}
