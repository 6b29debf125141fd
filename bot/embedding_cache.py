"""A disk cache of sentence embeddings keyed by (encoder, text), so retraining re-encodes only
new examples. SQLite with one float32 blob per row; safe to delete at any time."""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path, encoder_id: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.encoder_id = path, encoder_id
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS embeddings (encoder TEXT, key TEXT, vector BLOB, "
                         "PRIMARY KEY (encoder, key))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def encode(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for ``texts``: cached ones read back, the rest computed with ``encode`` and stored."""
        keys = [_key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, blob in conn.execute(
                    f"SELECT key, vector FROM embeddings WHERE encoder = ? AND key IN ({marks})",
                    [self.encoder_id, *chunk],
                ):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
            missing = [i for i, k in enumerate(keys) if k not in found]
            if missing:
                vectors = encode([texts[i] for i in missing])
                rows = [(self.encoder_id, keys[i], v.astype(np.float32).tobytes()) for i, v in zip(missing, vectors)]
                conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
                for (_, key, _), v in zip(rows, vectors):
                    found[key] = v.astype(np.float32)
        return np.vstack([found[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
