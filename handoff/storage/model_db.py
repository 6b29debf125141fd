"""The model store's database backend: model versions as content-addressed, chunked files, and
the DEPLOYED / PREVIOUS pointers, in the conversation database (bytea on PostgreSQL, BLOB on
SQLite). Attached to a models directory (``bot.model_store.attach``), it turns ``models/`` into a
cache: a server on a machine that never trained fetches the deployed version by itself.

Files are stored once per SHA-256 digest, in chunks of ``CHUNK`` bytes (a version is ~160 MB;
versions share most files, e.g. the sentence encoder). A version appears in ``model_versions``
only in the transaction that stored all its files, so a reader never sees half a version; a fetch
writes into a temporary directory, checks every digest, then renames it into place.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.errors import ModelNotFoundError
from bot.model_store import DEPLOYED, PREVIOUS
from handoff.storage.schema import model_chunks, model_deployed, model_files, model_versions

log = logging.getLogger(__name__)
CHUNK = 4 * 1024 * 1024
POINTER_IDS = {DEPLOYED: 1, PREVIOUS: 2}  # rows of model_deployed


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


class DatabaseModels:
    """``bot.model_store.SharedModels`` on a SQLAlchemy engine (made lazily from a URL)."""

    def __init__(self, target: str | Engine | Callable[[], str]) -> None:
        self._target = target
        self._engine: Engine | None = target if isinstance(target, Engine) else None
        self._lock = threading.Lock()  # one fetch at a time per process

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from handoff.storage.database import make_engine

            url = self._target() if callable(self._target) else str(self._target)
            self._engine = make_engine(url)
        return self._engine

    def versions(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(model_versions.c.version)).scalars())

    def pointer(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(model_deployed.c.version)
                                .where(model_deployed.c.id == POINTER_IDS[name])).scalar()

    def set_pointer(self, name: str, version: str) -> None:
        with self.engine.begin() as conn:
            key, now = POINTER_IDS[name], time.time()
            done = conn.execute(update(model_deployed).where(model_deployed.c.id == key)
                                .values(version=version, deployed_at=now))
            if done.rowcount == 0:
                conn.execute(insert(model_deployed).values(id=key, version=version, deployed_at=now))

    # ---- storing -------------------------------------------------------------------------------
    def push(self, directory: Path) -> None:
        """Store the version in ``directory`` (its name is the version) unless already stored."""
        version = directory.name
        if not (directory / "pipeline.json").is_file():
            raise ModelNotFoundError(f"{directory} is not a model version (no pipeline.json)")
        files = sorted(p for p in directory.rglob("*") if p.is_file())
        started = time.monotonic()
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(model_versions.c.version).where(model_versions.c.version == version)).first():
                    return
                total = 0
                for path in files:
                    digest, size = _digest(path), path.stat().st_size
                    self._store_chunks(conn, path, digest)
                    conn.execute(insert(model_files).values(version=version, path=path.relative_to(directory).as_posix(),
                                                            digest=digest, size=size))
                    total += size
                conn.execute(insert(model_versions).values(version=version, size=total, files=len(files),
                                                           created_at=time.time()))
        except IntegrityError:  # another process stored it at the same moment
            if version not in self.versions():
                raise
            return
        log.info("model %s stored in the database: %d files, %.1f MB in %.1f s", version, len(files),
                 total / 1e6, time.monotonic() - started)

    @staticmethod
    def _store_chunks(conn: Connection, path: Path, digest: str) -> None:
        present = conn.execute(select(model_chunks.c.seq).where(model_chunks.c.digest == digest,
                                                                model_chunks.c.seq == 0)).first()
        if present is not None:
            return  # content-addressed: the same file of another version
        with path.open("rb") as f:
            seq = 0
            while True:
                data = f.read(CHUNK)
                if not data and seq > 0:
                    break
                conn.execute(insert(model_chunks).values(digest=digest, seq=seq, data=data))
                seq += 1
                if len(data) < CHUNK:
                    break

    # ---- fetching ------------------------------------------------------------------------------
    def fetch(self, version: str, models_dir: Path) -> Path:
        """The version's directory in ``models_dir``, written from the database when missing."""
        target = models_dir / version
        with self._lock:
            if (target / "pipeline.json").is_file():
                return target
            models_dir.mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            with self.engine.connect() as conn:
                files = conn.execute(select(model_files).where(model_files.c.version == version)
                                     .order_by(model_files.c.path)).all()
                if not files:
                    raise ModelNotFoundError(f"no model version {version} in the model store")
                scratch = Path(tempfile.mkdtemp(prefix=f".fetch-{version}-", dir=models_dir))
                try:
                    for row in files:
                        self._write_file(conn, row.digest, row.size, scratch / row.path)
                    try:
                        os.rename(scratch, target)
                    except OSError:  # another process on this machine fetched it first
                        if not (target / "pipeline.json").is_file():
                            raise
                finally:
                    shutil.rmtree(scratch, ignore_errors=True)
            log.info("model %s fetched from the database in %.1f s", version, time.monotonic() - started)
            return target

    @staticmethod
    def _write_file(conn: Connection, digest: str, size: int, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        written = 0
        rows = conn.execution_options(yield_per=4).execute(
            select(model_chunks.c.data).where(model_chunks.c.digest == digest).order_by(model_chunks.c.seq))
        with path.open("wb") as out:
            for (data,) in rows:
                data = bytes(data)
                h.update(data)
                out.write(data)
                written += len(data)
        if h.hexdigest() != digest or written != size:
            raise ModelNotFoundError(f"model file {path.name}: stored content is damaged ({written} of {size} bytes)")
