"""The static sentence encoder: a sentence-transformers artefact, read at serving time with numpy."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.static_encoder import StaticEncoder, build
from bot.text import nlu_form
from tests.conftest import ROOT

ARTEFACT = ROOT / "bot" / "resources" / "static-zh"
TEXTS = ["普發現金什麼時候可以領", "ATM領現要帶什麼", "郵局臨櫃幾號開始", "一個沒見過的字：龘"]


def test_the_committed_artefact_is_named_in_config_and_small() -> None:
    import yaml

    steps = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    encoder = next(s for s in steps if s["name"] == "SentenceEncoderFeaturizer")
    assert encoder["backend"] == "static" and (ROOT / encoder["model"]).resolve() == ARTEFACT
    assert sum(p.stat().st_size for p in ARTEFACT.rglob("*") if p.is_file()) < 30 * 2**20


def test_artefact_loads_the_sentence_transformers_way_and_numpy_agrees() -> None:
    from sentence_transformers import SentenceTransformer

    texts = [nlu_form(t) for t in TEXTS]
    model = SentenceTransformer(str(ARTEFACT), device="cpu", local_files_only=True)
    reference = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    ours = StaticEncoder(ARTEFACT).encode(texts)
    assert ours.shape == reference.shape and np.allclose(ours, reference, atol=1e-5)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_paraphrases_lie_closer_than_a_sibling() -> None:
    encoder = StaticEncoder(ARTEFACT)
    a, b, sibling = encoder.encode([nlu_form(t) for t in ("普發現金什麼時候可以領", "六千塊哪一天開始發", "郵局臨櫃領現什麼時候開始")])
    assert float(a @ b) > float(a @ sibling)


@pytest.mark.slow
def test_build_distils_fine_tunes_and_saves_a_loadable_model(tmp_path: Path) -> None:
    out = build(tmp_path / "enc", ROOT / "tests" / "bot" / "tiny_nlu", None, ROOT / "bot/resources/jieba_userdict.txt",
                dims=32, epochs=1, teacher_cache=tmp_path / "teacher.npz", log=lambda _m: None, common_characters=False)
    encoder = StaticEncoder(out)
    vectors = encoder.encode(["ATM領現", "郵局"])
    assert vectors.shape == (2, 32) and (tmp_path / "teacher.npz").is_file()
