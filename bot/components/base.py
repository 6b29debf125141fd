"""The component contract every pipeline step follows (after Rasa 3's ``GraphComponent``).

A component is built from its config block (merged over ``defaults``), may learn from training
data, processes a :class:`Batch` in place, and persists/loads itself in its own directory.
Batches rather than single messages: training featurises thousands of examples at once and the
server parses one text as a batch of one.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import joblib

from bot.errors import ConfigError


@dataclass
class Batch:
    """Texts flowing through the pipeline; each component fills in its part."""

    texts: list[str]
    normalized: list[str] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)
    """featurizer name → matrix with one row per text (scipy sparse or numpy)."""
    rankings: list[list[tuple[str, float]]] = field(default_factory=list)
    fallback_reasons: list[str | None] = field(default_factory=list)
    similarities: list[float] = field(default_factory=list)
    """Per text, the best cosine similarity between it and a training example of its top intent
    (classifiers with nearest neighbours fill it; the fallback's ``min_similarity`` reads it)."""

    def __len__(self) -> int:
        return len(self.texts)


class Component(ABC):
    """One pipeline step. Subclasses set ``name`` and ``defaults`` and implement ``process``."""

    name: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, config: dict[str, Any]) -> None:
        unknown = set(config) - set(self.defaults) - {"name"}
        if unknown:
            raise ConfigError(
                f"{self.name}: unknown option(s) {sorted(unknown)}; known: {sorted(self.defaults)}"
            )
        self.config: dict[str, Any] = {**self.defaults, **{k: v for k, v in config.items() if k != "name"}}

    def train(self, batch: Batch, labels: list[str]) -> None:
        """Learn from labelled examples; the default learns nothing. Must leave ``batch`` processed
        (a classifier may leave ``rankings`` empty: no step learns from them)."""
        self.process(batch)

    @abstractmethod
    def process(self, batch: Batch) -> None:
        """Add this component's output to ``batch``."""

    def state(self) -> dict[str, Any]:
        """What must be saved besides the config (fitted vectorisers, weights…)."""
        return {}

    def restore(self, state: dict[str, Any], directory: Path) -> None:
        """Take back what ``state`` returned; ``directory`` holds any extra files ``persist`` wrote."""

    def persist(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump({"config": self.config, "state": self.state()}, directory / "component.joblib")

    @classmethod
    def load(cls, directory: Path) -> Component:
        saved = joblib.load(directory / "component.joblib")
        component = cls(saved["config"])
        component.restore(saved["state"], directory)
        return component
