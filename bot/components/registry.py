"""Component names usable in config.yml, resolved lazily so heavy packages load only when used."""
from __future__ import annotations

import importlib

from bot.components.base import Component
from bot.errors import ConfigError

# name in config.yml → "module:Class". To add a component: subclass Component and add a line here.
REGISTRY: dict[str, str] = {
    "TextNormalizer": "bot.components.normalizer:TextNormalizer",
    "JiebaTokenizer": "bot.components.jieba_tokenizer:JiebaTokenizer",
    "SparseNgramFeaturizer": "bot.components.sparse_featurizer:SparseNgramFeaturizer",
    "SentenceEncoderFeaturizer": "bot.components.dense_featurizer:SentenceEncoderFeaturizer",
    "LinearIntentClassifier": "bot.components.classifier:LinearIntentClassifier",
    "FallbackClassifier": "bot.components.fallback:FallbackClassifier",
}


def component_class(name: str) -> type[Component]:
    """The class registered under ``name``; a clear ConfigError for unknown names."""
    target = REGISTRY.get(name)
    if target is None:
        raise ConfigError(
            f"unknown pipeline component '{name}'. Known: {', '.join(sorted(REGISTRY))}. "
            "To add one, subclass bot.components.base.Component and register it in "
            "bot/components/registry.py."
        )
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)
