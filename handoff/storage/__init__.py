"""Conversation storage behind a small interface; SQL through SQLAlchemy Core (SQLite by default,
PostgreSQL by URL).

Importing this package registers how ``kb_sync`` opens a database given by file or URL: through
``make_engine``, which migrates it to the newest schema (kb_sync may not import handoff itself).
"""
from __future__ import annotations

from handoff.storage.database import make_engine
from kb_sync.store import set_engine_opener

set_engine_opener(make_engine)
