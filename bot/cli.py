"""NLU commands: ``hotline train``, ``hotline test``, ``hotline nlu parse``, ``hotline shell``."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from bot import model_store
from bot.evaluate import evaluate, format_report, read_eval_file
from bot.pipeline import Pipeline, PipelineConfig
from bot.training_data import load_training_data


def _settings(ctx: click.Context) -> Any:
    return ctx.obj


def load_model(ctx: click.Context, model: Path | None) -> Pipeline:
    settings = _settings(ctx)
    directory = model or model_store.deployed(settings.path(settings.models_dir))
    started = time.perf_counter()
    pipeline = Pipeline.load(directory)
    click.echo(f"model {directory.name} loaded in {time.perf_counter() - started:.1f}s", err=True)
    return pipeline


def train_model(config_path: Path, nlu_dir: Path, models_dir: Path, echo: bool = True) -> Path:
    """Train from config + nlu_data into a new version directory; returns it."""
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
        click.echo(f"trained {len(data.examples)} intents from {len(data)} examples in {seconds:.1f}s → {out}")
    return out


@click.command("train")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Pipeline config (default: config.yml).")
@click.option("--data", "nlu_dir", type=click.Path(path_type=Path, exists=True, file_okay=False), help="Training data dir.")
@click.option("--out", "models_dir", type=click.Path(path_type=Path), help="Models directory.")
@click.pass_context
def train(ctx: click.Context, config_path: Path | None, nlu_dir: Path | None, models_dir: Path | None) -> None:
    """Train a new model version from nlu_data/ with config.yml (does not deploy it)."""
    s = _settings(ctx)
    train_model(config_path or s.path(s.config_path), nlu_dir or s.path(s.nlu_data),
                models_dir or s.path(s.models_dir))


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


@click.command("shell")
@click.option("--model", type=click.Path(path_type=Path, exists=True, file_okay=False), help="Model directory (default: deployed).")
@click.pass_context
def shell(ctx: click.Context, model: Path | None) -> None:
    """Talk to the NLU in the terminal: each line shows the intent, confidence and KB answer."""
    from kb_sync.store import KnowledgeBase

    pipeline = load_model(ctx, model)
    kb = KnowledgeBase(_settings(ctx).kb_db)
    click.echo("輸入問題（Ctrl-D 結束）")
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        result = pipeline.parse(text)
        top = result["intent_ranking"][:3]
        click.echo(f"  intent: {result['intent']['name']} ({result['intent']['confidence']:.2f})"
                   f"{'  fallback: ' + str(result['fallback_reason']) if result['fallback'] else ''}")
        click.echo("  ranking: " + ", ".join(f"{r['name']} {r['confidence']:.2f}" for r in top))
        entry = kb.get(result["intent"]["name"]) if not result["fallback"] else None
        if entry:
            click.echo(f"  answer: {entry['answer']}")


@click.command("rollback")
@click.pass_context
def rollback(ctx: click.Context) -> None:
    """Re-deploy the previously deployed model version."""
    click.echo(f"rolled back to {model_store.rollback(_settings(ctx).path(_settings(ctx).models_dir))}")


COMMANDS = [train, test, nlu, shell, rollback]
