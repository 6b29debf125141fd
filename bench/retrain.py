"""Retrain-to-deploy on the full data: train a candidate, compare it with the deployed model on
the regression set (dev questions), deploy. Prints JSON; writes results/bench_retrain.json.
Target on the 2-core machine: ≤ 60 s (with the embedding cache warm, as in the engineer's loop).

    .venv/bin/python bench/retrain.py
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import model_store  # noqa: E402
from bot.training import train_model  # noqa: E402
from bot.evaluate import read_eval_file  # noqa: E402
from handoff.engineering import review  # noqa: E402


def main() -> None:
    models = Path(tempfile.mkdtemp(prefix="bench-retrain-"))
    current = model_store.deployed(ROOT / "models")
    shutil.copytree(current, models / current.name)
    model_store.deploy(models, current.name)
    rows = read_eval_file(ROOT.parent / "shared/eval/dev.jsonl")
    t0 = time.perf_counter()
    candidate = train_model(ROOT / "config.yml", ROOT / "nlu_data", models, echo=False)
    t1 = time.perf_counter()
    comparison = review.gate(models, candidate.name, rows, (0.0, 0.0))
    t2 = time.perf_counter()
    review.deploy_checked(models, candidate.name, comparison, force=True, reason="benchmark", who="bench")
    t3 = time.perf_counter()
    figures = {"train_seconds": round(t1 - t0, 1), "compare_seconds": round(t2 - t1, 1),
               "deploy_seconds": round(t3 - t2, 2), "retrain_to_deploy_seconds": round(t3 - t0, 1),
               "regression_questions": len(rows), "gate_allowed": comparison.allowed if comparison else None}
    shutil.rmtree(models)
    out = ROOT / "results/bench_retrain.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
