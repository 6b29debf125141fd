"""``hotline kb``: import, lint, export; ``hotline shell``: the NLU with the KB's answers."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from bot.cli import load_model
from kb_sync.errors import KBChangedError, KBFileError
from kb_sync.export import export_kb
from kb_sync.lint import lint
from kb_sync.readers import read_entries
from kb_sync.store import KnowledgeBase
from kb_sync.stubs import sync_intents


def _kb(settings: Any) -> KnowledgeBase:
    return KnowledgeBase(settings.kb_db)


@click.group("kb")
def kb() -> None:
    """Knowledge base: import the agencies' Q&A set, lint it, export it."""


def _list(label: str, ids: list[str], limit: int = 30) -> None:
    if ids:
        click.echo(f"  {label}: {' '.join(ids[:limit])}{' …' if len(ids) > limit else ''}")


@kb.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--partial", is_flag=True, help="The file holds only some entries: remove nothing.")
@click.option("--dry-run", is_flag=True, help="Show what would be added, changed and removed; store nothing.")
@click.option("--yes", "-y", is_flag=True, help="Remove the entries the file lacks without asking (scripts).")
@click.option("--if-empty", is_flag=True, help="Import only into an empty KB (make run's first seeding).")
@click.option("--no-stubs", is_flag=True, help="Do not add stub intents to nlu_data/ for new entries.")
@click.pass_obj
def import_(settings: Any, path: Path, partial: bool, dry_run: bool, yes: bool, if_empty: bool,
            no_stubs: bool) -> None:
    """Import a JSONL, CSV or XLSX Q&A file as a new KB revision.

    Without --partial, entries the file lacks are removed: they are listed first and removed only
    after you confirm (or with --yes).
    """
    try:
        entries = read_entries(path)
    except KBFileError as exc:
        raise click.ClickException(f"{exc} — nothing imported") from exc
    store = _kb(settings)
    if if_empty and store.count():
        click.echo(f"the KB already has {store.count()} entries: {path.name} not imported")
        return
    planned = store.diff(entries, full=not partial)
    if dry_run:
        click.echo(f"{path.name} (dry run, nothing stored): {len(planned.added)} to add, {len(planned.changed)} "
                   f"to change, {len(planned.removed)} to remove ({store.count()} entries now)")
        for label, ids in (("add", planned.added), ("change", planned.changed), ("remove", planned.removed)):
            _list(label, ids, limit=len(ids))
        return
    if planned.removed and not yes:
        click.echo(f"{path.name} lacks {len(planned.removed)} entries now in the KB; importing it removes them:")
        _list("remove", planned.removed, limit=len(planned.removed))
        try:
            click.confirm("Remove them?", default=False, abort=True)
        except click.Abort:
            raise click.ClickException("nothing imported (use --partial to keep them, or --yes to remove them "
                                       "in scripts)") from None
    try:
        diff = store.import_entries(entries, source=path.name, full=not partial,
                                    allowed_removals=set(planned.removed))
    except KBChangedError as exc:
        raise click.ClickException(f"{exc} — nothing imported") from exc
    if diff.empty:
        click.echo(f"{path.name}: no changes ({store.count()} entries)")
    else:
        click.echo(f"{path.name}: revision {diff.revision}: {len(diff.added)} added, "
                   f"{len(diff.changed)} changed, {len(diff.removed)} removed ({store.count()} entries)")
        for label, ids in (("added", diff.added), ("changed", diff.changed), ("removed", diff.removed)):
            _list(label, ids)
    if not no_stubs:
        result = sync_intents(store.entries(), settings.path(settings.nlu_data))
        if result.stubs_added:
            click.echo(f"  stub intents added to nlu_data/kb_stubs.yml: {len(result.stubs_added)} "
                       "(write paraphrases before the next training)")
        for intent, source in result.orphans.items():
            click.echo(f"  intent {intent} has no KB entry any more: remove it from {source}")


@kb.command("lint")
@click.option("--min-examples", default=8, show_default=True, help="Training examples each KB intent needs.")
@click.option("--threshold", default=0.6, show_default=True, help="Similarity that counts as near-duplicate.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 when an entry lacks training data.")
@click.pass_obj
def lint_(settings: Any, min_examples: int, threshold: float, as_json: bool, strict: bool) -> None:
    """List near-duplicate questions and KB entries short of training examples."""
    store = _kb(settings)
    report = lint(store.entries(), settings.path(settings.nlu_data), min_examples, threshold)
    if as_json:
        click.echo(json.dumps(report.__dict__, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{store.count()} KB entries")
        click.echo(f"near-duplicate questions (similarity ≥ {threshold}): {len(report.near_duplicates)}")
        for pair in report.near_duplicates:
            tag = " [cross-agency]" if pair["cross_agency"] else ""
            click.echo(f"  {pair['a']} ~ {pair['b']} {pair['similarity']:.2f}{tag}: "
                       f"{pair['question_a']} | {pair['question_b']}")
        click.echo(f"entries with no intent in nlu_data/: {len(report.missing_training)}")
        for entry_id in report.missing_training:
            click.echo(f"  {entry_id}")
        click.echo(f"entries with fewer than {min_examples} examples: {len(report.thin_training)}")
        for entry_id, n in report.thin_training.items():
            click.echo(f"  {entry_id}: {n}")
        if report.ok:
            click.echo(f"OK: every KB id has an intent with ≥ {min_examples} examples")
    if strict and not report.ok:
        raise SystemExit(1)


@kb.command("export")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--output", "-o", "output", type=click.Path(path_type=Path, dir_okay=False),
              help="The file to write (.xlsx or .jsonl); the same as giving PATH.")
@click.pass_obj
def export(settings: Any, path: Path | None, output: Path | None) -> None:
    """Write the whole KB with its revision history to one .xlsx or .jsonl file.

    Every approved entry, every revision (imports and approved edits: who, when, what) and every
    entry's full text at each revision go into the one file.
    """
    if path and output and path != output:
        raise click.UsageError("give the file once: PATH or --output")
    target = output or path
    if target is None:
        raise click.UsageError("name the file to write: hotline kb export --output kb.xlsx")
    try:
        n = export_kb(_kb(settings), target)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"exported {n} entries with revision history → {target}")


@kb.command("adopt-file")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def adopt_file(settings: Any, path: Path | None) -> None:
    """Move a KB file of older releases (default: var/kb.db) into the conversation database.

    Done once, into an empty database KB; the file is left as it was. Without a file there is
    nothing to do (a fresh clone).
    """
    from kb_sync.legacy import LegacyKBError, adopt

    path = path or settings.legacy_kb_file
    if not path.is_file():
        click.echo(f"no KB file at {path}: nothing to adopt")
        return
    store = _kb(settings)
    if store.version():
        click.echo(f"the database already holds the KB (revision {store.version()}): {path.name} left alone")
        return
    try:
        counts = adopt(store, path)
    except LegacyKBError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"adopted {path}: " + ", ".join(f"{n} {t}" for t, n in counts.items()) +
               f" — revision {store.version()}; the file can be deleted")



@click.command("shell")
@click.option("--model", type=click.Path(path_type=Path, exists=True, file_okay=False), help="Model directory (default: deployed).")
@click.pass_context
def shell(ctx: click.Context, model: Path | None) -> None:
    """Talk to the NLU in the terminal: each line shows the intent, confidence and KB answer."""
    pipeline = load_model(ctx, model)
    kb = _kb(ctx.obj)
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


COMMANDS = [kb, shell]
