"""The acceptance figures of the default pipeline (config.yml) on the dev set.

Trains the real model from nlu_data/ (about 25 s with a warm embedding cache, about 2.5 min cold)
and checks the contract's figures: success ≥ 0.93, wrong answers ≤ 0.03, out-of-scope rejected
≥ 0.85.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import train_model
from bot.evaluate import evaluate, read_eval_file
from bot.pipeline import Pipeline
from tests.conftest import DEV_SET, ROOT


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    model_dir = train_model(ROOT / "config.yml", ROOT / "nlu_data", tmp_path_factory.mktemp("models"), echo=False)
    rows = read_eval_file(DEV_SET)
    return evaluate(rows, Pipeline.load(model_dir).parse_batch([r.text for r in rows]))


def test_dev_success_rate_at_least_93_percent(report: dict) -> None:
    assert report["success"] >= 0.93


def test_dev_wrong_answers_at_most_3_percent(report: dict) -> None:
    assert report["wrong"] <= 0.03 and report["wrong_overall"] <= 0.03


def test_dev_out_of_scope_rejected_at_least_85_percent(report: dict) -> None:
    assert report["oos_rejected"] >= 0.85


def test_training_data_has_no_dev_sentence() -> None:
    """dev.jsonl is for measuring only: none of its sentences may be a training example."""
    import json

    from bot.text import normalize
    from bot.training_data import load_training_data

    dev = {normalize(json.loads(line)["text"]) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line}
    copied = [t for t, _ in load_training_data(ROOT / "nlu_data").pairs() if normalize(t) in dev]
    assert copied == []


def test_model_directory_is_self_contained(tmp_path: Path) -> None:
    """The user dictionary travels with the model (training and serving cut words the same way)."""
    model_dir = train_model(ROOT / "tests" / "bot" / "tiny_config.yml", ROOT / "tests" / "bot" / "tiny_nlu", tmp_path,
                            echo=False)
    assert (next(model_dir.glob("*_JiebaTokenizer")) / "userdict.txt").is_file()
