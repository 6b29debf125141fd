"""The one reader and writer of Rasa 3 NLU YAML (``nlu_data/``), with no ML in it.

Used by training (``bot.pipeline``), by ``kb_sync`` (stub intents for new KB entries) and by the
miss-log labelling. Only the parts of the Rasa schema this project uses are written (``intent`` +
``examples``); other Rasa keys (synonym, regex, lookup) are read and ignored.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.errors import TrainingDataError

RASA_VERSION = "3.1"
_KNOWN_KEYS = {"intent", "synonym", "regex", "lookup"}


@dataclass
class TrainingData:
    """Examples per intent, in file order; ``sources`` remembers which file each intent came from."""

    examples: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)

    def add(self, intent: str, texts: Iterable[str], source: Path | None = None) -> None:
        bucket = self.examples.setdefault(intent, [])
        seen = set(bucket)
        for text in texts:
            if text not in seen:
                bucket.append(text)
                seen.add(text)
        if source is not None:
            self.sources.setdefault(intent, source)

    @property
    def intents(self) -> list[str]:
        return list(self.examples)

    def pairs(self) -> list[tuple[str, str]]:
        """(text, intent) for every example."""
        return [(text, intent) for intent, texts in self.examples.items() for text in texts]

    def __len__(self) -> int:
        return sum(len(texts) for texts in self.examples.values())


def parse_examples(block: str) -> list[str]:
    """Rasa's ``examples: |`` block: one ``- text`` per line."""
    texts = []
    for line in block.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("- "):
            raise ValueError(f"example line must start with '- ': {stripped[:40]!r}")
        text = stripped[2:].strip()
        if text:
            texts.append(text)
    return texts


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it: 25k examples load in 0.06 s instead of 0.52 s."""


def read_nlu_file(path: Path, into: TrainingData | None = None) -> TrainingData:
    """Read one Rasa 3 NLU YAML file; errors name the file and the offending intent."""
    data = into if into is not None else TrainingData()
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TrainingDataError(str(path), f"not valid YAML: {exc}") from exc
    if doc is None:
        return data
    if not isinstance(doc, dict):
        raise TrainingDataError(str(path), "top level must be a mapping with 'version' and 'nlu'")
    if str(doc.get("version", "")) != RASA_VERSION:
        raise TrainingDataError(str(path), f'version must be "{RASA_VERSION}"')
    items = doc.get("nlu") or []
    if not isinstance(items, list):
        raise TrainingDataError(str(path), "'nlu' must be a list")
    for item in items:
        if not isinstance(item, dict) or not (_KNOWN_KEYS & item.keys()):
            raise TrainingDataError(str(path), f"unknown nlu item {str(item)[:60]!r}")
        if "intent" not in item:
            continue
        name = item["intent"]
        if not isinstance(name, str) or not name.strip():
            raise TrainingDataError(str(path), f"intent name must be a non-empty string: {name!r}")
        block = item.get("examples", "")
        if not isinstance(block, str):
            raise TrainingDataError(str(path), f"intent {name}: 'examples' must be a '|' block")
        try:
            data.add(name, parse_examples(block), source=path)
        except ValueError as exc:
            raise TrainingDataError(str(path), f"intent {name}: {exc}") from exc
    return data


def nlu_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in {".yml", ".yaml"} and p.is_file())


def load_training_data(directory: Path) -> TrainingData:
    """Every ``*.yml`` under the directory, in sorted path order."""
    data = TrainingData()
    for path in nlu_files(directory):
        read_nlu_file(path, into=data)
    return data


class _LiteralDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def clean_example(text: str) -> str:
    """One line, no Rasa entity syntax: what may be written as an example."""
    text = " ".join(text.split())
    return text.replace("[", "「").replace("]", "」").replace("{", "（").replace("}", "）")


def dump_nlu(examples: dict[str, list[str]]) -> str:
    """Rasa 3 YAML text for the given intents (examples as ``|`` blocks)."""
    items = []
    for intent, texts in examples.items():
        lines = [clean_example(t) for t in texts]
        items.append({"intent": intent, "examples": "".join(f"- {t}\n" for t in lines if t)})
    return yaml.dump(
        {"version": RASA_VERSION, "nlu": items},
        Dumper=_LiteralDumper,
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
    )


def write_nlu_file(path: Path, examples: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dump_nlu(examples), encoding="utf-8")
    tmp.replace(path)


def add_examples(path: Path, intent: str, texts: Iterable[str]) -> int:
    """Append examples to an intent in one file (creating either); returns how many were new."""
    current = read_nlu_file(path).examples if path.exists() else {}
    before = len(current.get(intent, []))
    merged = TrainingData(examples={k: list(v) for k, v in current.items()})
    merged.add(intent, (clean_example(t) for t in texts))
    write_nlu_file(path, merged.examples)
    return len(merged.examples[intent]) - before
