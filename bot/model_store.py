"""Versioned models on disk: ``models/<version>/`` plus a ``DEPLOYED`` pointer file.

A version is a UTC timestamp, so versions sort by age. The server serves the deployed version
(or the newest, if none was deployed yet); deploying rewrites the pointer atomically and keeps the
previous one in ``PREVIOUS`` for a one-command rollback.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.errors import ModelNotFoundError

DEPLOYED = "DEPLOYED"
PREVIOUS = "PREVIOUS"


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


def versions(models_dir: Path) -> list[str]:
    if not models_dir.is_dir():
        return []
    return sorted(p.name for p in models_dir.iterdir() if (p / "pipeline.json").is_file())


def latest(models_dir: Path) -> Path:
    found = versions(models_dir)
    if not found:
        raise ModelNotFoundError(f"no trained model in {models_dir}: run 'hotline train' (or 'make train')")
    return models_dir / found[-1]


def _read_pointer(models_dir: Path, name: str) -> str | None:
    pointer = models_dir / name
    if pointer.is_file():
        value = pointer.read_text(encoding="utf-8").strip()
        if value and (models_dir / value / "pipeline.json").is_file():
            return value
    return None


def deployed_version(models_dir: Path) -> str | None:
    """The version named by the DEPLOYED pointer, if any."""
    return _read_pointer(models_dir, DEPLOYED)


def deployed(models_dir: Path) -> Path:
    """The deployed model, or the newest one when nothing was deployed yet."""
    value = _read_pointer(models_dir, DEPLOYED)
    return models_dir / value if value else latest(models_dir)


def _write_pointer(models_dir: Path, name: str, value: str) -> None:
    tmp = models_dir / f".{name}.tmp"
    tmp.write_text(value + "\n", encoding="utf-8")
    tmp.replace(models_dir / name)


def deploy(models_dir: Path, version: str) -> str | None:
    """Point DEPLOYED at ``version``; returns the version it replaced."""
    if not (models_dir / version / "pipeline.json").is_file():
        raise ModelNotFoundError(f"no model version {version} in {models_dir}")
    previous = _read_pointer(models_dir, DEPLOYED)
    if previous and previous != version:
        _write_pointer(models_dir, PREVIOUS, previous)
    _write_pointer(models_dir, DEPLOYED, version)
    return previous


def rollback(models_dir: Path) -> str:
    """Re-deploy the previous version; returns it."""
    previous = _read_pointer(models_dir, PREVIOUS)
    if previous is None:
        raise ModelNotFoundError(f"no previous deployment recorded in {models_dir}")
    deploy(models_dir, previous)
    return previous
