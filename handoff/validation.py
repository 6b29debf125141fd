"""Field types every frame and REST body is built from: bounded, and text that must be storable.

A JSON string may carry a lone surrogate (``"\\ud800"``): Python decodes it to a ``str`` that cannot
be encoded as UTF-8, so it fails later in SQLite, the NLU or a socket send. ``Text`` refuses it at
the boundary, together with NUL (PostgreSQL refuses it in text columns). Integers are bounded to
what the databases store (64-bit) or tighter.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StringConstraints

INT64_MAX = 2**63 - 1
SEQ_MAX = 2**31 - 1


def storable(value: str) -> str:
    """``value`` unchanged if it encodes as UTF-8 and has no NUL; ValueError otherwise."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def text(max_length: int, min_length: int = 0) -> object:
    """A storable string of at most ``max_length`` characters (``Annotated`` metadata)."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(storable)]


Text64 = Annotated[str, StringConstraints(max_length=64), AfterValidator(storable)]
Id64 = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(storable)]
NonBlank = AfterValidator(_not_blank)
Seq = Annotated[StrictInt, Field(ge=0, le=SEQ_MAX)]
Flag = StrictBool
