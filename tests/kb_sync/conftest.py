"""The KB lives in the conversation database, whose schema the server package migrates: importing
``handoff.storage`` registers that opener for ``KnowledgeBase(path_or_url)`` (kb_sync may not import
handoff itself)."""
from __future__ import annotations

import handoff.storage  # noqa: F401
