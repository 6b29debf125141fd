"""NLU commands: ``hotline train``, ``hotline test``, ``hotline nlu parse``.

``hotline shell`` needs the KB and lives in kb_sync/cli.py; ``hotline rollback`` is part of the
engineer's loop (handoff/engineering/cli.py).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from bot import model_store
from bot.evaluate import evaluate, format_report, read_eval_file
from bot.pipeline import Pipeline
from bot.training import train_model

__all__ = ["COMMANDS", "load_model", "train_model"]  # train_model: kept importable from here


def _settings(ctx: click.Context) -> Any:
    return ctx.obj


def load_model(ctx: click.Context, model: Path | None) -> Pipeline:
    settings = _settings(ctx)
    directory = model or model_store.deployed(settings.path(settings.models_dir))
    started = time.perf_counter()
    pipeline = Pipeline.load(directory)
    click.echo(f"model {directory.name} loaded in {time.perf_counter() - started:.1f}s", err=True)
    return pipeline


@click.command("train")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Pipeline config (default: config.yml).")
@click.option("--data", "nlu_dir", type=click.Path(path_type=Path, exists=True, file_okay=False), help="Training data dir.")
@click.option("--out", "models_dir", type=click.Path(path_type=Path), help="Models directory.")
@click.pass_context
def train(ctx: click.Context, config_path: Path | None, nlu_dir: Path | None, models_dir: Path | None) -> None:
    """Train a new model version from nlu_data/ with config.yml (does not deploy it)."""
    s = _settings(ctx)
    train_model(config_path or s.path(s.config_path), nlu_dir or s.path(s.nlu_data),
                models_dir or s.path(s.models_dir), say=click.echo)


@click.command("test")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--model", type=click.Path(path_type=Path, exists=True, file_okay=False), help="Model directory (default: deployed).")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=Path("results/nlu_report.json"),
              show_default=True, help="Where the JSON report is written.")
@click.pass_context
def test(ctx: click.Context, file: Path, model: Path | None, report_path: Path) -> None:
    """Evaluate a model on a JSONL file of {text, intent, also}."""
    rows = read_eval_file(file)
    pipeline = load_model(ctx, model)
    started = time.perf_counter()
    results = pipeline.parse_batch([r.text for r in rows])
    report = evaluate(rows, results)
    report["model"] = pipeline.meta.get("version")
    report["parse_seconds"] = round(time.perf_counter() - started, 2)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(format_report(report))
    click.echo(f"\nreport written to {report_path}")


def _read_inputs(path: Path) -> list[str]:
    texts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                texts.append(str(json.loads(line)["text"]))
                continue
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise click.ClickException(f"{path}:{number}: JSON line without a 'text' field ({exc})")
        texts.append(line)
    return texts


@click.group("nlu")
def nlu() -> None:
    """Parse texts with the NLU model."""


@nlu.command("parse")
@click.option("--input", "input_path", required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="JSONL with a 'text' field, or plain lines.")
@click.option("--output", "output_path", required=True, type=click.Path(path_type=Path), help="JSONL results, same order.")
@click.option("--model", type=click.Path(path_type=Path, exists=True, file_okay=False), help="Model directory (default: deployed).")
@click.pass_context
def parse(ctx: click.Context, input_path: Path, output_path: Path, model: Path | None) -> None:
    """One JSON line per input: text, intent, intent_ranking (10), fallback."""
    texts = _read_inputs(input_path)
    pipeline = load_model(ctx, model)
    results = pipeline.parse_batch(texts)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with output_path.open("w", encoding="utf-8") as out:
        for result in results:
            row = {k: result[k] for k in ("text", "intent", "intent_ranking", "fallback", "fallback_reason")}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    click.echo(f"parsed {len(results)} texts → {output_path}")


COMMANDS = [train, test, nlu]
