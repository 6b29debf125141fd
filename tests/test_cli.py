from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from handoff.cli import main
from handoff.settings import Settings


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", _all_commands(main), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "-h"])
    assert result.exit_code == 0 and "Usage:" in result.output


@pytest.fixture
def project_env(small_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from handoff import settings

    monkeypatch.setenv("HOTLINE_HOME", str(small_project))
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    settings.get_settings.cache_clear()
    yield small_project
    settings.get_settings.cache_clear()


def test_nlu_parse_writes_one_line_per_input_in_order(project_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "ATM 領錢"}\n{"text": "你好"}\n{"text": "😀"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["nlu", "parse", "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == ["ATM 領錢", "你好", "😀"]
    assert rows[0]["intent"]["name"] == "ATM-001" and rows[2]["fallback"] is True
    assert set(rows[0]) >= {"text", "intent", "intent_ranking", "fallback"}
    assert set(rows[0]["intent"]) == {"name", "confidence"}


def test_nlu_parse_accepts_plain_lines(project_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("要去哪裡登記\n\n早安\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert CliRunner().invoke(main, ["nlu", "parse", "--input", str(source), "--output", str(out)]).exit_code == 0
    assert [json.loads(l)["intent"]["name"] for l in out.read_text(encoding="utf-8").splitlines()] == ["REG-001", "greet"]


def test_test_command_reports_and_writes_json(project_env: Path, tmp_path: Path) -> None:
    data = tmp_path / "eval.jsonl"
    data.write_text('{"text": "atm幾點能領", "intent": "ATM-001", "also": []}\n'
                    '{"text": "護照怎麼換", "intent": null, "also": []}\n', encoding="utf-8")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["test", str(data), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "success" in result.output and "confidence histogram" in result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["success"] == 1.0 and body["oos_rejected"] == 1.0 and "per_intent" in body


def test_kb_import_lint_export_through_the_cli(project_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "qa.jsonl"
    source.write_text(json.dumps({"id": "REG-001", "category": "登記", "agency": "財政部",
                                  "question": "要去哪裡登記？", "answer": "官網。"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(main, ["kb", "import", str(source), "--no-stubs"])
    assert first.exit_code == 0 and "1 added" in first.output
    lint = runner.invoke(main, ["kb", "lint", "--min-examples", "4", "--strict"])
    assert lint.exit_code == 0 and "OK: every KB id" in lint.output
    assert runner.invoke(main, ["kb", "lint", "--min-examples", "50", "--strict"]).exit_code == 1
    out = tmp_path / "kb.xlsx"
    assert runner.invoke(main, ["kb", "export", str(out)]).exit_code == 0 and out.stat().st_size > 0


def test_kb_import_refuses_a_bad_file_and_imports_nothing(project_env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,category,agency,question,answer\nA-1,c,a,,x\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["kb", "import", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv, row 2, field 'question': empty — nothing imported" in result.output


def test_settings_are_documented_in_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [f"HOTLINE_{name.upper()}" for name in Settings.model_fields if f"HOTLINE_{name.upper()}" not in readme]
    assert missing == []


def test_review_commands_on_an_empty_miss_log(project_env: Path) -> None:
    runner = CliRunner()
    assert "no open misses" in runner.invoke(main, ["misses", "list"]).output
    assert runner.invoke(main, ["match-rate"]).exit_code == 0
    bad = runner.invoke(main, ["misses", "label", "NOPE-1", "1"])
    assert bad.exit_code == 1 and "unknown intent" in bad.output
    assert runner.invoke(main, ["misses", "ignore", "x"]).exit_code == 2  # ids are numbers
