"""Errors of kb_sync; every one names the file (and row and field where there is one)."""
from __future__ import annotations

from bot.errors import HotlineError


class KBFileError(HotlineError, ValueError):
    """A Q&A file that cannot be imported; nothing from it was stored."""

    code, status = "kb_file", 422

    def __init__(self, filename: str, message: str, row: int | None = None, field: str | None = None) -> None:
        where = filename + (f", row {row}" if row is not None else "") + (f", field '{field}'" if field else "")
        super().__init__(f"{where}: {message}")
        self.filename, self.row, self.field = filename, row, field


class UpkeepError(HotlineError, ValueError):
    """A KB edit, approval or rejection that cannot be done; the message says what to fix."""

    code, status = "kb_upkeep", 422


class EntryNotFound(UpkeepError, LookupError):
    """No KB entry (or nothing to review) under this id."""

    code, status = "kb_not_found", 404


class StaleChange(UpkeepError):
    """The live entry changed after this edit was proposed; the edit must be looked at again."""

    code, status = "kb_stale", 409


class KBChangedError(HotlineError, RuntimeError):
    """The KB changed between showing an import's diff and storing it; nothing was stored."""

    code, status = "kb_changed", 409
