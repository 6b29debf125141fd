"""The model store's database backend: a version pushed from one machine's models/ is fetched by
a server whose models/ is empty, byte for byte; files are content-addressed and chunked; the
deployed pointer (and rollback) live in the database; damaged content is never served."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from bot import model_store
from bot.errors import ModelNotFoundError
from handoff.storage import model_db
from handoff.storage.database import make_engine
from handoff.storage.model_db import DatabaseModels
from handoff.storage.schema import model_chunks
from tests.infra import PostgresServer


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg")
        url = server.create_database(f"models_{os.getpid()}_{time.monotonic_ns()}")
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_db, "CHUNK", 64 * 1024)  # several chunks per file without big files


def make_version(models_dir: Path, version: str, blob: bytes, extra: str) -> Path:
    directory = models_dir / version
    (directory / "components").mkdir(parents=True)
    (directory / "pipeline.json").write_text('{"components": []}', encoding="utf-8")
    (directory / "components" / "encoder.bin").write_bytes(blob)  # shared between versions
    (directory / "components" / "head.json").write_text(extra, encoding="utf-8")
    return directory


def files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def chunk_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model_chunks)).scalar_one())


def test_a_server_with_an_empty_models_dir_fetches_the_deployed_version(engine: Engine, tmp_path: Path) -> None:
    trainer, server = tmp_path / "trainer" / "models", tmp_path / "server" / "models"
    blob = os.urandom(300 * 1024 + 7)  # 5 chunks of 64 KiB
    v1 = make_version(trainer, "20261207-100000-000001", blob, '{"head": 1}')
    model_store.attach(trainer, DatabaseModels(engine))
    model_store.attach(server, DatabaseModels(engine))
    try:
        assert model_store.deploy(trainer, v1.name) is None
        assert chunk_count(engine) == 5 + 1 + 1
        assert model_store.deployed_version(server) == v1.name and model_store.versions(server) == [v1.name]
        fetched = model_store.deployed(server)
        assert fetched == server / v1.name and files(fetched) == files(v1)
        assert [p.name for p in server.iterdir()] == [v1.name]  # no scratch directory left behind

        v2 = make_version(trainer, "20261207-110000-000001", blob, '{"head": 2}')
        assert model_store.deploy(trainer, v2.name) == v1.name
        assert chunk_count(engine) == 7 + 1  # only the new head file: the encoder is stored once
        assert files(model_store.deployed(server)) == files(v2)
        assert model_store.rollback(server) == v1.name and model_store.deployed_version(trainer) == v1.name
        with pytest.raises(ModelNotFoundError, match="no model version nope"):
            model_store.deploy(server, "nope")
    finally:
        model_store.attach(trainer, None)
        model_store.attach(server, None)


def test_damaged_content_is_refused_and_nothing_half_written_is_served(engine: Engine, tmp_path: Path) -> None:
    trainer, server = tmp_path / "trainer" / "models", tmp_path / "server" / "models"
    v1 = make_version(trainer, "20261207-100000-000001", os.urandom(100 * 1024), "{}")
    store = DatabaseModels(engine)
    store.push(v1)
    store.push(v1)  # storing twice is a no-op
    with engine.begin() as conn:
        conn.execute(update(model_chunks).where(model_chunks.c.seq == 1).values(data=b"garbage"))
    with pytest.raises(ModelNotFoundError, match="damaged"):
        store.fetch(v1.name, server)
    assert list(server.iterdir()) == []


def test_models_push_stores_local_versions_and_deploys_the_newest_only_when_none_is(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from handoff.settings import Settings
    from handoff.storage.cli import models

    make_version(tmp_path / "models", "20261207-100000-000001", b"a" * 1000, "{}")
    make_version(tmp_path / "models", "20261207-110000-000001", b"a" * 1000, "{}")
    settings = Settings(home=tmp_path, endpoints=Path("none.yml"), database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    runner = CliRunner()
    pushed = runner.invoke(models, ["push", "--deploy-if-none"], obj=settings)
    assert pushed.exit_code == 0, pushed.output
    assert "deployed 20261207-110000-000001 (nothing was deployed)" in pushed.output
    listed = runner.invoke(models, ["list"], obj=settings).output.splitlines()
    assert listed == ["20261207-100000-000001", "20261207-110000-000001 (deployed)"]
    make_version(tmp_path / "models", "20261207-120000-000001", b"b" * 10, "{}")
    again = runner.invoke(models, ["push", "--deploy-if-none"], obj=settings)
    assert "stored 20261207-120000-000001" in again.output and "deployed" not in again.output.replace("stored", "")
    assert runner.invoke(models, ["list"], obj=settings).output.splitlines()[1].endswith("(deployed)")
    empty = runner.invoke(models, ["push"], obj=Settings(home=tmp_path / "none", endpoints=Path("none.yml"),
                                                          database_url=settings.database_url))
    assert empty.exit_code == 1 and "no model version" in empty.output
