"""Training-data edits made by the running service — labelled misses (handoff/review.py) and the
examples of newly approved KB entries (handoff/api/kb_admin.py) — written where the deployment
keeps its state: into ``nlu_data/`` YAML files (the embedded default), or, when the nlu_data
directory is attached to a database, into ``training_examples``, so no app server writes a local
file. ``hotline nlu-data export`` writes the stored examples into ``nlu_data/`` for version
control and training (idempotent: examples already in a file are not repeated).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import Engine, insert, select

from bot.training_data import add_examples, clean_example
from handoff.storage.schema import training_examples

_attached: dict[Path, Callable[[], Engine]] = {}


def attach(nlu_dir: Path, engine: Engine | Callable[[], Engine] | None) -> None:
    """Send the service's training-data edits for ``nlu_dir`` to ``engine`` (made on first use when
    a callable; None: files again)."""
    key = nlu_dir.resolve()
    if engine is None:
        _attached.pop(key, None)
    else:
        _attached[key] = (lambda: engine) if isinstance(engine, Engine) else engine


def in_database(nlu_dir: Path) -> bool:
    """Whether the service's edits for ``nlu_dir`` go to the database."""
    return nlu_dir.resolve() in _attached


def write_examples(nlu_dir: Path, file: str, intent: str, texts: Iterable[str]) -> int:
    """Add examples of ``intent`` meant for ``nlu_dir/file``; returns how many were new."""
    factory = _attached.get(nlu_dir.resolve())
    if factory is None:
        return add_examples(nlu_dir / file, intent, texts)
    engine = factory()
    wanted = list(dict.fromkeys(t for t in (clean_example(x) for x in texts) if t))
    with engine.begin() as conn:
        known = set(conn.execute(select(training_examples.c.text).where(
            training_examples.c.file == file, training_examples.c.intent == intent)).scalars())
        new = [t for t in wanted if t not in known]
        if new:
            now = time.time()
            conn.execute(insert(training_examples),
                         [{"file": file, "intent": intent, "text": t, "created_at": now} for t in new])
    return len(new)


def stored(engine: Engine) -> dict[str, dict[str, list[str]]]:
    """``{file: {intent: [texts]}}`` in the order they were stored."""
    out: dict[str, dict[str, list[str]]] = {}
    with engine.connect() as conn:
        for row in conn.execute(select(training_examples).order_by(training_examples.c.id)):
            out.setdefault(row.file, {}).setdefault(row.intent, []).append(row.text)
    return out


def export(engine: Engine, nlu_dir: Path) -> dict[str, int]:
    """Write every stored example into ``nlu_dir``; returns the new examples per file."""
    written: dict[str, int] = {}
    for file, intents in stored(engine).items():
        if Path(file).name != file or not file.endswith((".yml", ".yaml")):
            raise ValueError(f"refusing to write outside nlu_data/: {file!r}")
        written[file] = sum(add_examples(nlu_dir / file, intent, texts) for intent, texts in intents.items())
    return written
