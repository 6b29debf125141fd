"""Where an app server keeps what is not a conversation: with ``HOTLINE_MODEL_STORE=database``
the model versions, the deployed pointer and the service's training-data edits live in the
conversation database (the KB always does), so app servers on several machines share nothing but
the engines; with ``files`` (the embedded default) they stay in ``models/`` and ``nlu_data/``."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from bot import model_store
from handoff.storage import training
from handoff.storage.model_db import DatabaseModels

MODEL_STORES = ("files", "database")


def attach(settings: Any, engine: Engine | None = None) -> DatabaseModels | None:
    """Back ``models/`` and ``nlu_data/`` edits by the database when configured; returns the store.

    ``engine``: the server's own; without it (CLI) one is made on first use from the settings.
    """
    models_dir, nlu_dir = settings.path(settings.models_dir), settings.path(settings.nlu_data)
    if settings.model_store not in MODEL_STORES:
        raise ValueError(f"HOTLINE_MODEL_STORE must be one of {', '.join(MODEL_STORES)}, not {settings.model_store!r}")
    if settings.model_store != "database":
        model_store.attach(models_dir, None)
        training.attach(nlu_dir, None)
        return None
    store = DatabaseModels(engine if engine is not None else (lambda: settings.chat_database_url))
    model_store.attach(models_dir, store)
    training.attach(nlu_dir, lambda: store.engine)
    return store
