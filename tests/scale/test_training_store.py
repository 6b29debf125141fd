"""Training-data edits of the running service in the database, exported to nlu_data/ YAML."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.training_data import read_nlu_file
from handoff.settings import Settings
from handoff.storage import training
from handoff.storage.cli import nlu_data
from handoff.storage.database import make_engine


def test_edits_go_to_the_database_and_export_writes_them_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    engine = make_engine(url)
    served = tmp_path / "server" / "nlu_data"  # the app server's (empty, never written) directory
    training.attach(served, engine)
    try:
        assert training.write_examples(served, "labelled_misses.yml", "ATM-001", ["ATM 幾點能領", "atm [幾點]"]) == 2
        assert training.write_examples(served, "labelled_misses.yml", "ATM-001", ["ATM  幾點能領"]) == 0  # same, cleaned
        training.write_examples(served, "approved_drafts.yml", "DRAFT-001", ["可以捐嗎？"])
    finally:
        training.attach(served, None)
        engine.dispose()
    assert not served.exists()

    repo = tmp_path / "repo" / "nlu_data"
    repo.mkdir(parents=True)
    settings = Settings(home=tmp_path, endpoints=Path("none.yml"), database_url=url)
    result = CliRunner().invoke(nlu_data, ["export", "--to", str(repo)], obj=settings)
    assert result.exit_code == 0, result.output
    assert "labelled_misses.yml: 2 new examples" in result.output
    assert read_nlu_file(repo / "labelled_misses.yml").examples == {"ATM-001": ["ATM 幾點能領", "atm 「幾點」"]}
    assert read_nlu_file(repo / "approved_drafts.yml").examples == {"DRAFT-001": ["可以捐嗎？"]}
    again = CliRunner().invoke(nlu_data, ["export", "--to", str(repo)], obj=settings)
    assert "labelled_misses.yml: 0 new examples" in again.output


def test_without_a_database_the_files_are_written_as_before(tmp_path: Path) -> None:
    assert training.write_examples(tmp_path, "labelled_misses.yml", "ATM-001", ["ATM 幾點能領"]) == 1
    assert read_nlu_file(tmp_path / "labelled_misses.yml").examples == {"ATM-001": ["ATM 幾點能領"]}
