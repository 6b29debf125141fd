"""Training a new model version: config + nlu_data → a persisted, published version directory.

Used by ``hotline train`` (bot/cli.py), the engineer's API (handoff/engineering) and the tests;
it is kept out of the CLI module so a server route never imports a command-line module.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from bot import model_store
from bot.pipeline import Pipeline, PipelineConfig
from bot.training_data import load_training_data


def train_model(config_path: Path, nlu_dir: Path, models_dir: Path, echo: bool = True,
                say: Callable[[str], None] | None = None) -> Path:
    """Train from config + nlu_data into a new version directory; returns it. With ``echo`` a
    progress bar goes to stderr and a summary line to ``say`` (default: stdout)."""
    from tqdm import tqdm

    config = PipelineConfig.read(config_path)
    data = load_training_data(nlu_dir)
    pipeline = Pipeline.from_config(config)
    with tqdm(total=len(pipeline.components), desc="training", unit="step", disable=not echo,
              file=sys.stderr) as bar:
        def progress(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(1)

        seconds = pipeline.train(data, progress)
    version = model_store.new_version()
    pipeline.meta["version"] = version
    out = models_dir / version
    pipeline.persist(out)
    model_store.publish(models_dir, out)  # HOTLINE_MODEL_STORE=database: stored for every process
    if echo:
        (say or print)(f"trained {len(data.examples)} intents from {len(data)} examples in {seconds:.1f}s → {out}")
    return out
