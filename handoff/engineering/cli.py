"""``hotline misses …``, ``compare``, ``deploy``, ``rollback``, ``match-rate``: the engineer's loop in the CLI."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from bot import model_store
from bot.clustering import embedder
from bot.intents import CONVERSATION_INTENTS
from bot.pipeline import Pipeline
from handoff import control
from handoff.engineering import review
from handoff.engineering.misslog import MissLog
from handoff.storage.database import Database
from kb_sync.store import KnowledgeBase


def _run(coro: Any) -> Any:
    """``asyncio.run``, also when the caller's thread already runs an event loop (embedding)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@contextmanager
def _misslog(settings: Any) -> Iterator[MissLog]:
    db = Database(settings.chat_database_url)
    try:
        yield MissLog(db)
    finally:
        db.close()


@click.group("misses")
def misses() -> None:
    """Review the miss log: clusters of missed questions, label, ignore, propose."""


@misses.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the clusters as JSON.")
@click.pass_obj
def list_(settings: Any, as_json: bool) -> None:
    """Open misses grouped into clusters of similar questions (largest first)."""
    with _misslog(settings) as log:
        open_misses = _run(log.open_misses())
    if not open_misses:
        click.echo("no open misses")
        return
    pipeline = Pipeline.load(model_store.deployed(settings.path(settings.models_dir)))
    vectors = embedder(pipeline)([m["text_masked"] for m in open_misses])
    groups = review.clusters(open_misses, vectors)
    if as_json:
        click.echo(json.dumps(groups, ensure_ascii=False, indent=2))
        return
    for group in groups:
        click.echo(f"cluster {group['cluster']}: {group['count']} misses, predicted {group['top_predicted']}, "
                   f"suggested label {group['suggested_label'] or '-'}")
        for item in group["items"][:10]:
            click.echo(f"  #{item['id']} [{item['miss_reason']}] {item['text_masked']}")


def _ids(values: tuple[str, ...]) -> list[int]:
    try:
        return [int(v.lstrip("#")) for v in values]
    except ValueError as exc:
        raise click.BadParameter("turn ids are numbers, e.g. 12 or #12") from exc


@misses.command("label")
@click.argument("intent")
@click.argument("turn_ids", nargs=-1, required=True)
@click.pass_obj
def label(settings: Any, intent: str, turn_ids: tuple[str, ...]) -> None:
    """Label misses (turn ids from 'misses list') to INTENT; writes nlu_data/labelled_misses.yml."""
    known = {e["id"] for e in KnowledgeBase(settings.kb_db).entries()} | CONVERSATION_INTENTS
    with _misslog(settings) as log:
        try:
            written = _run(review.label(log, _ids(turn_ids), intent, settings.path(settings.nlu_data), known))
        except review.ReviewError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{written} examples of {intent} written to nlu_data/{review.LABEL_FILE}; run 'hotline train'")


@misses.command("ignore")
@click.argument("turn_ids", nargs=-1, required=True)
@click.pass_obj
def ignore(settings: Any, turn_ids: tuple[str, ...]) -> None:
    """Never show these misses again."""
    with _misslog(settings) as log:
        click.echo(f"ignored {_run(review.ignore(log, _ids(turn_ids)))}")


@misses.command("propose")
@click.argument("question")
@click.argument("turn_ids", nargs=-1, required=True)
@click.option("--category", default="", help="KB category of the new entry.")
@click.pass_obj
def propose(settings: Any, question: str, turn_ids: tuple[str, ...], category: str) -> None:
    """Propose a new intent: a draft KB entry a supervisor approves with its answer."""
    with _misslog(settings) as log:
        try:
            draft = _run(review.propose(log, KnowledgeBase(settings.kb_db), _ids(turn_ids), question, category))
        except review.ReviewError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"draft KB entry {draft} created; it goes live when a supervisor approves it with an answer")


def _gate(settings: Any, version: str | None) -> tuple[str, Any]:
    """The candidate version (default: newest) and its comparison with the deployed model."""
    models_dir = settings.path(settings.models_dir)
    version = version or model_store.latest(models_dir).name
    with _misslog(settings) as log:
        rows = _run(review.regression_rows(settings.path(settings.regression_set), log))
    return version, review.gate(models_dir, version, rows, (settings.gate_max_success_drop, settings.gate_max_wrong_rise))


@click.command("compare")
@click.argument("version", required=False)
@click.pass_obj
def compare(settings: Any, version: str | None) -> None:
    """Compare a candidate (default: newest) with the deployed model on dev + labelled misses."""
    try:
        version, result = _gate(settings, version)
    except review.ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    if result is None:
        click.echo(f"{version}: nothing else is deployed to compare with")
        return
    for name, figures in (("deployed", result.deployed), ("candidate", result.candidate)):
        click.echo(f"{name:9s} success {figures['success']:.2%}  wrong {figures['wrong']:.2%}  "
                   f"out-of-scope rejected {figures['oos_rejected']:.2%}  ({figures['questions']} questions)")
    click.echo(f"newly fixed: {len(result.fixed)}")
    for item in result.fixed[:20]:
        click.echo(f"  + {item['text']} → {item['candidate']}")
    click.echo(f"newly broken: {len(result.broken)}")
    for item in result.broken[:20]:
        click.echo(f"  - {item['text']} (expected {item['expected']}, now {item['candidate']})")
    click.echo("gate: " + ("would deploy" if result.allowed else "REFUSED: " + "; ".join(result.reasons)))


@click.command("deploy")
@click.argument("version", required=False)
@click.option("--force", is_flag=True, help="Deploy even if the gate refuses (needs --reason).")
@click.option("--reason", help="Why a refused candidate is forced; logged in models/deploy_log.jsonl.")
@click.pass_obj
def deploy(settings: Any, version: str | None, force: bool, reason: str | None) -> None:
    """Deploy a model version (default: the newest) after the regression gate; running servers
    swap to it within seconds, chats in progress continue."""
    try:
        version, result = _gate(settings, version)
        previous = review.deploy_checked(settings.path(settings.models_dir), version, result, force, reason, "cli")
    except review.ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"deployed {version}" + (f" (previous: {previous}; 'hotline rollback' restores it)" if previous else ""))
    _tell_servers(settings, version)


@click.command("rollback")
@click.pass_obj
def rollback(settings: Any) -> None:
    """Re-deploy the previously deployed model version."""
    version = review.rollback(settings.path(settings.models_dir))
    click.echo(f"rolled back to {version}")
    _tell_servers(settings, version)


def _tell_servers(settings: Any, version: str) -> None:
    """Running servers swap now (shared broker) or at their next poll of the deployed pointer."""
    if control.announce_from_cli(settings, {"type": "deployed", "version": version}):
        click.echo("announced to the running servers")


@click.command("match-rate")
@click.option("--period", type=click.Choice(["day", "month"]), default="day", show_default=True)
@click.pass_obj
def match_rate(settings: Any, period: str) -> None:
    """智能問答匹配成功率: answered question turns ÷ question turns (chit-chat excluded)."""
    with _misslog(settings) as log:
        rows = _run(log.match_rate(period))
    for row in rows:
        click.echo(f"{row['period']}  {row['answered_turns']:6d} / {row['question_turns']:6d}  {row['match_rate']:.2%}"
                   f"  (person requests {row['person_requests']})")


COMMANDS = [misses, compare, deploy, rollback, match_rate]
