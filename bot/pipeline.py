"""The NLU pipeline: config.yml's components in order, trained together, parsed together.

``parse`` returns Rasa's parse shape plus ``fallback`` / ``fallback_reason``. When the bot would
not answer, ``intent`` is Rasa's ``nlu_fallback`` and ``intent_ranking`` still holds the
classifier's candidates (the dialogue turns them into suggestions).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.components.base import Batch, Component
from bot.components.registry import component_class
from bot.errors import ConfigError, ModelNotFoundError
from bot.parse_cache import ParseCache
from bot.text import nlu_form
from bot.training_data import TrainingData

FALLBACK_INTENT = "nlu_fallback"
PARSE_CACHE_SIZE = 4096
_PATH_OPTIONS = ("dictionary_path", "model")
_CREATED_PATH_OPTIONS = ("cache_path",)  # may not exist yet: always relative to config.yml


@dataclass
class PipelineConfig:
    language: str
    steps: list[dict[str, Any]]
    raw: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> PipelineConfig:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read pipeline config: {exc}") from exc
        steps = raw.get("pipeline")
        if not isinstance(steps, list) or not steps:
            raise ConfigError(f"{path}: 'pipeline' must be a non-empty list of components")
        resolved = []
        for step in steps:
            if not isinstance(step, dict) or "name" not in step:
                raise ConfigError(f"{path}: every pipeline entry needs a 'name', got {step!r}")
            step = dict(step)
            for key in _PATH_OPTIONS:  # paths in config.yml are relative to the file itself
                value = step.get(key)
                if isinstance(value, str) and not value.startswith("python:") and not Path(value).is_absolute():
                    candidate = (path.parent / value).resolve()
                    if candidate.exists():
                        step[key] = str(candidate)
            for key in _CREATED_PATH_OPTIONS:
                value = step.get(key)
                if isinstance(value, str) and not Path(value).is_absolute():
                    step[key] = str((path.parent / value).resolve())
            resolved.append(step)
        return cls(language=str(raw.get("language", "zh-TW")), steps=resolved, raw=raw)


def limit_blas_threads() -> None:
    """One BLAS thread: OpenBLAS's spinning workers otherwise fight the sentence encoder's OpenMP
    threads for the two cores and triple parse latency (measured: 25 ms → 8 ms per parse)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class Pipeline:
    """Components in order; the last classifier's ranking and the fallback step make the result."""

    def __init__(self, components: list[Component], meta: dict[str, Any] | None = None) -> None:
        limit_blas_threads()
        self.components = components
        self.meta: dict[str, Any] = meta or {}
        self.cache = ParseCache(PARSE_CACHE_SIZE)

    @classmethod
    def from_config(cls, config: PipelineConfig) -> Pipeline:
        return cls([component_class(step["name"])(step) for step in config.steps],
                   {"language": config.language, "pipeline": config.steps})

    def train(self, data: TrainingData, progress: Callable[[str], None] | None = None) -> float:
        """Fit every component in order; returns seconds taken."""
        started = time.perf_counter()
        pairs = data.pairs()
        if not pairs:
            raise ConfigError("no training examples: nlu_data/ is empty")
        batch = Batch(texts=[t for t, _ in pairs])
        labels = [i for _, i in pairs]
        for component in self.components:
            if progress:
                progress(component.name)
            component.train(batch, labels)
        seconds = time.perf_counter() - started
        self.meta.update({"train_seconds": round(seconds, 2), "examples": len(pairs),
                          "intents": len(data.examples)})
        return seconds

    def parse_batch(self, texts: list[str]) -> list[dict[str, Any]]:
        """Parse results in order; texts whose normalised form was parsed recently come from the
        LRU cache, the others go through the components as one batch."""
        keys = [nlu_form(t) for t in texts]
        results: list[dict[str, Any] | None] = [self.cache.get(k) for k in keys]
        todo = [i for i, r in enumerate(results) if r is None]
        if todo:
            batch = Batch(texts=[texts[i] for i in todo], normalized=[keys[i] for i in todo])
            for component in self.components:
                component.process(batch)
            reasons = batch.fallback_reasons or [None] * len(todo)
            for i, ranking, why in zip(todo, batch.rankings, reasons):
                parsed = self._result(texts[i], ranking, why)
                results[i] = parsed
                self.cache.put(keys[i], parsed)
        done: list[dict[str, Any]] = []
        for text, result in zip(texts, results):
            assert result is not None
            result["text"] = text
            done.append(result)
        return done

    def parse(self, text: str) -> dict[str, Any]:
        return self.parse_batch([text])[0]

    @staticmethod
    def _result(text: str, ranking: list[tuple[str, float]], reason: str | None) -> dict[str, Any]:
        ranked = [{"name": n, "confidence": round(c, 6)} for n, c in ranking]
        if reason is not None:
            top = ranked[0]["confidence"] if ranked else 0.0
            intent = {"name": FALLBACK_INTENT, "confidence": top}
        else:
            intent = dict(ranked[0])
        return {"text": text, "intent": intent, "intent_ranking": ranked, "entities": [],
                "fallback": reason is not None, "fallback_reason": reason}

    @property
    def fallback(self) -> Any:
        return next((c for c in self.components if c.name == "FallbackClassifier"), None)

    def persist(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for index, component in enumerate(self.components):
            component.persist(directory / f"{index:02d}_{component.name}")
        (directory / "pipeline.json").write_text(
            json.dumps({"components": [c.name for c in self.components], **self.meta},
                       ensure_ascii=False, indent=2, default=str), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Pipeline:
        manifest = directory / "pipeline.json"
        if not manifest.is_file():
            raise ModelNotFoundError(f"{directory} is not a trained model (no pipeline.json)")
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        components = [
            component_class(name).load(directory / f"{index:02d}_{name}")
            for index, name in enumerate(meta.pop("components"))
        ]
        return cls(components, meta)
