"""The acceptance figures of the default pipeline (config.yml) on the dev set, the head-question
regression set and punctuation invariance.

Trains the real model from nlu_data/ once for the module (about 30–45 s on the 2-core machine:
the static encoder is a lookup, there is no embedding cache to warm) and checks the
figures it reaches today with the fusion weight, temperature and fallback rules chosen by grouped
CV (``bench/pipelines.py --calibrate``; dev 94.51 % / 0.29 % / 93.33 %): success ≥ 0.945, wrong answers
≤ 0.01, out-of-scope rejected ≥ 0.92. The issue's acceptance (≥ 0.96 / ≤ 0.01 / ≥ 0.95) is not met
in full yet (README, NLU).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import train_model
from bot.evaluate import evaluate, read_eval_file
from bot.pipeline import Pipeline
from tests.conftest import DEV_SET, KB_SEED, ROOT

HEAD_QUESTIONS = Path(__file__).parent / "head_questions.yml"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    model_dir = train_model(ROOT / "config.yml", ROOT / "nlu_data", tmp_path_factory.mktemp("models"), echo=False)
    return Pipeline.load(model_dir)


@pytest.fixture(scope="module")
def report(model: Pipeline) -> dict:
    rows = read_eval_file(DEV_SET)
    return evaluate(rows, model.parse_batch([r.text for r in rows]))


@pytest.mark.slow
def test_dev_success_rate_at_least_96_percent(report: dict) -> None:
    assert report["success"] >= 0.96


@pytest.mark.slow
def test_dev_wrong_answers_at_most_1_percent(report: dict) -> None:
    assert report["wrong"] <= 0.01 and report["wrong_overall"] <= 0.02


@pytest.mark.slow
def test_dev_out_of_scope_rejected_at_least_95_percent(report: dict) -> None:
    assert report["oos_rejected"] >= 0.95


@pytest.mark.slow
def test_head_questions_are_answered_right_and_never_confidently_wrong(model: Pipeline) -> None:
    import yaml

    from bot.evaluate import answered_intent

    cases = [(text, intent) for intent, texts in yaml.safe_load(HEAD_QUESTIONS.read_text(encoding="utf-8")).items()
             for text in texts]
    assert len({i for _, i in cases}) >= 50
    results = model.parse_batch([t for t, _ in cases])
    wrong = [(t, i, answered_intent(r)) for (t, i), r in zip(cases, results)
             if answered_intent(r) and answered_intent(r) != i]
    right = sum(1 for (_, i), r in zip(cases, results) if answered_intent(r) == i)
    # known: 「剛出生的寶寶也有六千嗎」 → POL-014 (why newborns get it) instead of NEW-001 (README)
    assert len(wrong) <= 1, wrong
    assert right / len(cases) >= 0.9
    top = model.parse("普發現金什麼時候可以領？")
    assert answered_intent(top) == "TIM-001"


def _variants(question: str) -> list[str]:
    bare = question.rstrip("？?")
    half = next((i for i in range(len(bare) // 2, len(bare)) if "\u4e00" <= bare[i - 1] <= "\u9fff"
                 and "\u4e00" <= bare[i] <= "\u9fff"), len(bare))  # a space between two characters
    spaced = f"{bare[:half]} {bare[half:]}"
    return [bare, bare + "？", bare + "?", spaced, " " + bare + " ？ ", bare + "嗎？🙂", bare + "!!"]


@pytest.mark.slow
def test_punctuation_spaces_emoji_and_particles_never_change_the_answer(model: Pipeline) -> None:
    """Each KB question with and without 「？」/「?」/spaces/emoji: same intent, confidence within 0.05."""
    import json

    questions = [json.loads(line)["question"] for line in KB_SEED.read_text(encoding="utf-8").splitlines() if line]
    model.cache.maxsize = 0  # measure the model, not the cache
    for question in questions:
        results = model.parse_batch(_variants(question))
        names = {r["intent_ranking"][0]["name"] for r in results}
        confidences = [r["intent_ranking"][0]["confidence"] for r in results]
        assert len(names) == 1 and max(confidences) - min(confidences) <= 0.05, (question, names, confidences)


def test_training_data_has_no_dev_sentence() -> None:
    """dev.jsonl is for measuring only: none of its sentences may be a training example."""
    import json

    from bot.text import normalize
    from bot.training_data import load_training_data

    dev = {normalize(json.loads(line)["text"]) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line}
    copied = [t for t, _ in load_training_data(ROOT / "nlu_data").pairs() if normalize(t) in dev]
    assert copied == []


def test_training_data_has_no_near_copy_of_a_dev_sentence() -> None:
    """Nor a near-copy: no training example shares ≥ 60 % of its character bigrams (Jaccard, on the
    normalised text) with a dev sentence."""
    import json

    from bot.model_selection import _bigrams
    from bot.training_data import load_training_data

    dev = [_bigrams(json.loads(line)["text"]) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    index: dict[str, list[int]] = {}
    for number, grams in enumerate(dev):
        for gram in grams:
            index.setdefault(gram, []).append(number)
    near = []
    for text, intent in load_training_data(ROOT / "nlu_data").pairs():
        grams = _bigrams(text)
        shared: dict[int, int] = {}
        for gram in grams:
            for number in index.get(gram, ()):
                shared[number] = shared.get(number, 0) + 1
        if any(n / len(grams | dev[d]) >= 0.6 for d, n in shared.items()):
            near.append((intent, text))
    assert near == []


def test_model_directory_is_self_contained(tmp_path: Path) -> None:
    """The user dictionary travels with the model (training and serving cut words the same way)."""
    model_dir = train_model(ROOT / "tests" / "bot" / "tiny_config.yml", ROOT / "tests" / "bot" / "tiny_nlu", tmp_path,
                            echo=False)
    assert (next(model_dir.glob("*_JiebaTokenizer")) / "userdict.txt").is_file()
