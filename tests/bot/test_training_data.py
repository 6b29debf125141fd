from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pykwalify.core import Core

from bot.errors import TrainingDataError
from bot.intents import CONVERSATION_INTENTS
from bot.training_data import add_examples, load_training_data, nlu_files, read_nlu_file, write_nlu_file
from tests.conftest import KB_SEED, ROOT

RASA_SCHEMA = Path(__file__).parent / "rasa_nlu_schema.yml"


def test_write_then_read_round_trips_awkward_text(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    examples = {"REG-001": ["請問: 要去哪裡登記 # 真的", '"引號"', "a [b](c) {d}"]}
    write_nlu_file(path, examples)
    assert read_nlu_file(path).examples == {"REG-001": ["請問: 要去哪裡登記 # 真的", '"引號"', "a 「b」(c) （d）"]}


def test_add_examples_appends_without_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "labels.yml"
    assert add_examples(path, "ATM-001", ["atm 何時", "atm 何時"]) == 1
    assert add_examples(path, "ATM-001", ["atm 何時", "提款機 幾點"]) == 1
    assert read_nlu_file(path).examples["ATM-001"] == ["atm 何時", "提款機 幾點"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("version: '2.0'\nnlu: []\n", 'version must be "3.1"'),
        ("version: '3.1'\nnlu:\n- intent: A\n  examples: |\n    no dash\n", "must start with '- '"),
        ("version: '3.1'\nnlu: {a: 1}\n", "'nlu' must be a list"),
        ("version: '3.1'\nnlu: [\n", "not valid YAML"),
    ],
)
def test_bad_training_file_names_file_and_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TrainingDataError) as info:
        read_nlu_file(path)
    assert "bad.yml" in str(info.value) and message in str(info.value)


@pytest.mark.parametrize("path", nlu_files(ROOT / "nlu_data"), ids=lambda p: p.name)
def test_nlu_data_follows_rasa_3_schema(path: Path) -> None:
    """Validated with pykwalify against Rasa 3's NLU schema, as Rasa's own reader does."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    Core(source_data=doc, schema_files=[str(RASA_SCHEMA)]).validate(raise_exception=True)
    assert doc["version"] == "3.1"
    for item in doc["nlu"]:
        lines = [l for l in item["examples"].splitlines() if l.strip()]
        assert all(l.startswith("- ") for l in lines), item["intent"]


def test_every_kb_entry_has_an_intent_with_at_least_8_examples() -> None:
    data = load_training_data(ROOT / "nlu_data")
    ids = [json.loads(line)["id"] for line in KB_SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    thin = {i: len(data.examples.get(i, [])) for i in ids if len(data.examples.get(i, [])) < 8}
    assert thin == {}
    assert CONVERSATION_INTENTS <= set(data.examples)


RASA_TRAINING_SUFFIXES = {".yml", ".yaml", ".json", ".md"}
"""Rasa 3's ``TrainingDataImporter`` accepts only these; any other file under ``--nlu`` is a
``ValueError: Unknown data format``."""


def test_nlu_data_loads_with_rasa_loader_rules() -> None:
    """``rasa train nlu --nlu nlu_data`` walks every file (hidden ones too) and refuses unknown
    formats: nlu_data/ holds only Rasa training files, each a valid Rasa 3 NLU document."""
    files = [p for p in (ROOT / "nlu_data").rglob("*") if p.is_file()]
    assert files
    assert [p.name for p in files if p.suffix not in RASA_TRAINING_SUFFIXES] == []
    examples = 0
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        Core(source_data=doc, schema_files=[str(RASA_SCHEMA)]).validate(raise_exception=True)
        examples += sum(len(parse_block(item["examples"])) for item in doc["nlu"] if "intent" in item)
    assert examples == len(load_training_data(ROOT / "nlu_data"))


def parse_block(block: str) -> list[str]:
    return [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("- ")]


def test_fast_yaml_loader_reads_nlu_data_exactly_as_pyyaml_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training reads nlu_data/ with libyaml (7× faster); every example must come out as PyYAML's
    own SafeLoader reads it, in the same order."""
    from bot import training_data

    fast = load_training_data(ROOT / "nlu_data").pairs()
    monkeypatch.setattr(training_data, "_SAFE_LOADER", yaml.SafeLoader)
    assert fast == load_training_data(ROOT / "nlu_data").pairs()
