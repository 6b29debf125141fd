"""Keeps nlu_data/ in step with the KB: a stub intent per new entry, a flag per orphan intent."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.intents import is_faq
from bot.training_data import load_training_data, read_nlu_file, write_nlu_file

STUB_FILE = "kb_stubs.yml"


@dataclass
class SyncResult:
    stubs_added: list[str]
    orphans: dict[str, str]  # intent → file it lives in


def sync_intents(kb_entries: list[dict[str, str]], nlu_dir: Path) -> SyncResult:
    """Add ``nlu_data/kb_stubs.yml`` intents (KB question as first example) for KB ids with no
    intent; report FAQ intents whose KB entry no longer exists."""
    data = load_training_data(nlu_dir)
    new = {e["id"]: [e["question"]] for e in kb_entries if e["id"] not in data.examples}
    if new:
        path = nlu_dir / STUB_FILE
        existing = read_nlu_file(path).examples if path.exists() else {}
        write_nlu_file(path, {**existing, **new})
    stubs = list(new)
    ids = {e["id"] for e in kb_entries}
    orphans = {i: str(data.sources.get(i, "")) for i in data.examples if is_faq(i) and i not in ids}
    return SyncResult(stubs, orphans)
