"""Versioned models on disk: ``models/<version>/`` plus a ``DEPLOYED`` pointer file.

A version is a UTC timestamp, so versions sort by age. The server serves the deployed version
(or the newest, if none was deployed yet); deploying rewrites the pointer atomically and keeps the
previous one in ``PREVIOUS`` for a one-command rollback.

Two backends behind the same functions: the filesystem (the embedded default), or a shared store
``attach``-ed to a models directory (the database, handoff/storage/model_db.py). With a shared
store the versions and the pointers live there, and ``models/`` is only this machine's cache:
a version missing locally is fetched when asked for, so a fresh server on another machine serves
the deployed version by itself.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bot.errors import ModelNotFoundError


class SharedModels(Protocol):
    """Where model versions and the deployed/previous pointers live when not in local files."""

    def versions(self) -> list[str]: ...
    def pointer(self, name: str) -> str | None: ...  # name: DEPLOYED or PREVIOUS
    def set_pointer(self, name: str, version: str) -> None: ...
    def push(self, directory: Path) -> None: ...  # store a local version (no-op when stored)
    def fetch(self, version: str, models_dir: Path) -> Path: ...  # into the cache, atomically


_shared: dict[Path, SharedModels] = {}


def attach(models_dir: Path, store: SharedModels | None) -> None:
    """Back ``models_dir`` by ``store`` (None: plain files again)."""
    key = models_dir.resolve()
    if store is None:
        _shared.pop(key, None)
    else:
        _shared[key] = store


def shared(models_dir: Path) -> SharedModels | None:
    return _shared.get(models_dir.resolve())


def local(models_dir: Path, version: str) -> Path:
    """The version's directory in the local cache, fetched from the shared store when missing."""
    directory = models_dir / version
    store = shared(models_dir)
    if store is not None and not (directory / "pipeline.json").is_file():
        return store.fetch(version, models_dir)
    return directory

DEPLOYED = "DEPLOYED"
PREVIOUS = "PREVIOUS"


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


def local_versions(models_dir: Path) -> list[str]:
    if not models_dir.is_dir():
        return []
    return sorted(p.name for p in models_dir.iterdir() if (p / "pipeline.json").is_file())


def versions(models_dir: Path) -> list[str]:
    store = shared(models_dir)
    return sorted(set(local_versions(models_dir)) | set(store.versions() if store else []))


def latest(models_dir: Path) -> Path:
    found = versions(models_dir)
    if not found:
        raise ModelNotFoundError(f"no trained model in {models_dir}: run 'hotline train' (or 'make train')")
    return local(models_dir, found[-1])


def _read_pointer(models_dir: Path, name: str) -> str | None:
    pointer = models_dir / name
    if pointer.is_file():
        value = pointer.read_text(encoding="utf-8").strip()
        if value and (models_dir / value / "pipeline.json").is_file():
            return value
    return None


def deployed_version(models_dir: Path) -> str | None:
    """The version named by the DEPLOYED pointer, if any."""
    store = shared(models_dir)
    return store.pointer(DEPLOYED) if store else _read_pointer(models_dir, DEPLOYED)


def deployed(models_dir: Path) -> Path:
    """The deployed model, or the newest one when nothing was deployed yet."""
    value = deployed_version(models_dir)
    return local(models_dir, value) if value else latest(models_dir)


def publish(models_dir: Path, directory: Path) -> None:
    """A version just trained into ``directory``: with a shared store it is stored there at once,
    so every server process can compare and deploy it (no-op with plain files)."""
    store = shared(models_dir)
    if store is not None:
        store.push(directory)


def _write_pointer(models_dir: Path, name: str, value: str) -> None:
    tmp = models_dir / f".{name}.tmp"
    tmp.write_text(value + "\n", encoding="utf-8")
    tmp.replace(models_dir / name)


def deploy(models_dir: Path, version: str) -> str | None:
    """Point DEPLOYED at ``version``; returns the version it replaced."""
    store = shared(models_dir)
    if store is not None:
        if (models_dir / version / "pipeline.json").is_file():
            store.push(models_dir / version)  # a version trained here: stored before it is pointed at
        elif version not in store.versions():
            raise ModelNotFoundError(f"no model version {version} in {models_dir} or the model store")
        local(models_dir, version)  # this process loads it next: into the local cache first
        previous = store.pointer(DEPLOYED)
        if previous and previous != version:
            store.set_pointer(PREVIOUS, previous)
        store.set_pointer(DEPLOYED, version)
        return previous
    if not (models_dir / version / "pipeline.json").is_file():
        raise ModelNotFoundError(f"no model version {version} in {models_dir}")
    previous = _read_pointer(models_dir, DEPLOYED)
    if previous and previous != version:
        _write_pointer(models_dir, PREVIOUS, previous)
    _write_pointer(models_dir, DEPLOYED, version)
    return previous


def rollback(models_dir: Path) -> str:
    """Re-deploy the previous version; returns it."""
    store = shared(models_dir)
    previous = store.pointer(PREVIOUS) if store else _read_pointer(models_dir, PREVIOUS)
    if previous is None:
        raise ModelNotFoundError(f"no previous deployment recorded in {models_dir}")
    deploy(models_dir, previous)
    return previous
