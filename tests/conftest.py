"""Shared fixtures: a small real training set, a small real model, paths to the shared data."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
KB_SEED = SHARED / "kb" / "faq.jsonl"
DEV_SET = SHARED / "eval" / "dev.jsonl"

SMALL_NLU = """version: "3.1"
nlu:
- intent: REG-001
  examples: |
    - 普發現金要去哪裡登記
    - 6000登記網站在哪
    - 我要登記普發
    - 哪裡可以登記六千
- intent: ATM-001
  examples: |
    - ATM什麼時候可以領6000
    - 提款機領普發的時間
    - 去atm領現金要帶什麼
    - 可以用提款機領嗎
- intent: greet
  examples: |
    - 你好
    - 哈囉
    - 嗨
    - 早安
- intent: out_of_scope
  examples: |
    - 今天天氣如何
    - 護照怎麼換
    - 股票推薦
    - 講個笑話
"""

SMALL_CONFIG = """language: zh-TW
pipeline:
  - name: TextNormalizer
  - name: JiebaTokenizer
    dictionary_path: {dictionary}
  - name: SparseNgramFeaturizer
  - name: LinearIntentClassifier
  - name: FallbackClassifier
    threshold: 0.2
    ambiguity_threshold: 0.0
"""


@pytest.fixture(scope="session")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project directory with a tiny nlu_data/, config.yml and one trained model."""
    from bot.cli import train_model

    home = tmp_path_factory.mktemp("project")
    (home / "nlu_data").mkdir()
    (home / "nlu_data" / "small.yml").write_text(SMALL_NLU, encoding="utf-8")
    (home / "config.yml").write_text(
        SMALL_CONFIG.format(dictionary=ROOT / "nlu_data" / "jieba_userdict.txt"), encoding="utf-8")
    train_model(home / "config.yml", home / "nlu_data", home / "models", echo=False)
    return home
