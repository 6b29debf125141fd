"""NLU speed and memory: parse latency, throughput, retrain, model load, LRU hit rate, peak RSS.

Prints one JSON object and writes results/bench_nlu.json. Targets on the 2-core machine (issue 14):
parse p50 ≤ 5 ms and p99 ≤ 15 ms single query (cache off), batched ≥ 500 questions/s, cold full
retrain ≤ 60 s (first training in a fresh process: nothing loaded yet), warm ≤ 15 s (a retrain in
a process that trained before, as the engineer's retrain loop does), load ≤ 5 s. The LRU parse
cache's hit rate is measured on a Zipf-like replay of the eval questions (with random
punctuation/space variants, which share a cache entry).

    .venv/bin/python bench/nlu.py [--skip-train]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import model_store  # noqa: E402
from bot.evaluate import read_eval_file  # noqa: E402
from bot.pipeline import Pipeline, PipelineConfig  # noqa: E402
from bot.training_data import load_training_data  # noqa: E402


def full_train(cache: Path | None, out: Path) -> float:
    """Train from nlu_data/ with config.yml; ``cache`` replaces the embedding cache path."""
    config = PipelineConfig.read(ROOT / "config.yml")
    for step in config.steps:
        if "cache_path" in step or step["name"] == "SentenceEncoderFeaturizer":
            step["cache_path"] = str(cache) if cache else step.get("cache_path")
    started, cpu = time.perf_counter(), time.process_time()
    pipeline = Pipeline.from_config(config)
    pipeline.train(load_training_data(ROOT / "nlu_data"))
    seconds = time.perf_counter() - started
    CPU_SECONDS[out.name] = round(time.process_time() - cpu, 2)
    pipeline.persist(out)
    return seconds


CPU_SECONDS: dict[str, float] = {}
"""CPU seconds of this process per training: on a machine shared with other jobs, wall time
overstates what a quiet machine needs; CPU time (one thread, BLAS limited to one) does not."""


def zipf_replay(pipeline: Pipeline, texts: list[str], queries: int = 5000, size: int = 256,
                exponent: float = 1.1) -> dict[str, object]:
    """Hit rate of a ``size``-entry LRU on ``queries`` questions drawn Zipf-like from ``texts``
    (rank r drawn ∝ 1/r^exponent), a quarter of them with a 「？」, a space or an emoji added."""
    from bot.parse_cache import ParseCache

    rng = random.Random(14)
    ranked = texts[:]
    rng.shuffle(ranked)
    weights = [1 / (rank + 1) ** exponent for rank in range(len(ranked))]
    stream = rng.choices(ranked, weights=weights, k=queries)
    stream = [t + rng.choice(["？", "?", " ", "🙂"]) if rng.random() < 0.25 else t for t in stream]
    pipeline.cache = ParseCache(size)
    started = time.perf_counter()
    for text in stream:
        pipeline.parse(text)
    seconds = time.perf_counter() - started
    return {"cache_size": size, "zipf_queries": queries, "zipf_distinct_texts": len(set(stream)),
            "cache_hit_rate": round(pipeline.cache.hit_rate, 4),
            "zipf_replay_mean_ms": round(seconds * 1000 / queries, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared/eval/dev.jsonl",
                        help="texts to parse (only the text field is used)")
    parser.add_argument("--skip-train", action="store_true", help="measure the deployed model only")
    parser.add_argument("--out", type=Path, default=ROOT / "results/bench_nlu.json")
    args = parser.parse_args()
    figures: dict[str, object] = {}

    if args.skip_train:
        model_dir = model_store.deployed(ROOT / "models")
    else:
        workdir = Path(tempfile.mkdtemp(prefix="bench-nlu-"))
        cold_dir = workdir / "cold"
        figures["full_train_seconds_cold"] = round(full_train(workdir / "empty.sqlite", cold_dir), 2)
        model_dir = workdir / "model"
        figures["full_train_seconds_warm"] = round(full_train(None, model_dir), 2)
        figures["full_train_cpu_seconds_cold"] = CPU_SECONDS["cold"]
        figures["full_train_cpu_seconds_warm"] = CPU_SECONDS["model"]

    started = time.perf_counter()
    pipeline = Pipeline.load(model_dir)
    pipeline.parse("暖機")
    figures["model_load_seconds"] = round(time.perf_counter() - started, 2)
    pipeline.cache.maxsize = 0  # latency of the model itself; the cache is measured below

    texts = [row.text for row in read_eval_file(args.eval)]
    latencies, cpu_latencies = [], []
    for text in texts:
        t0, c0 = time.perf_counter(), time.process_time()
        pipeline.parse(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu_latencies.append((time.process_time() - c0) * 1000)
    latencies.sort()
    cpu_latencies.sort()
    figures["parse_cpu_p50_ms"] = round(statistics.median(cpu_latencies), 2)
    figures["parse_cpu_p99_ms"] = round(cpu_latencies[max(0, int(len(cpu_latencies) * 0.99) - 1)], 2)
    figures["load_average_1min"] = round(__import__("os").getloadavg()[0], 2)
    figures["parse_p50_ms"] = round(statistics.median(latencies), 2)
    figures["parse_p99_ms"] = round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 2)
    t0, c0 = time.perf_counter(), time.process_time()
    pipeline.parse_batch(texts)
    figures["batch_throughput_per_s"] = round(len(texts) / (time.perf_counter() - t0), 1)
    figures["batch_throughput_per_cpu_s"] = round(len(texts) / max(time.process_time() - c0, 1e-9), 1)
    figures["single_throughput_per_s"] = round(1000 / statistics.mean(latencies), 1)
    figures.update(zipf_replay(pipeline, texts))
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["texts"] = len(texts)
    figures["model"] = model_dir.name
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
