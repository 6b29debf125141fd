"""Exception tree of the bot package.

    HotlineError
    ├── ConfigError (also ValueError)      config.yml names something unknown or malformed
    │   └── MissingDependencyError         an optional package is not installed; says which pip install
    ├── TrainingDataError (also ValueError) nlu_data YAML that does not follow the Rasa 3 schema
    └── ModelNotFoundError (also FileNotFoundError)  no trained model where one was expected
"""
from __future__ import annotations


class HotlineError(Exception):
    """Root of every error raised on purpose by hotline code."""


class ConfigError(HotlineError, ValueError):
    """A configuration file or value is wrong; the message says how to fix it."""


class MissingDependencyError(ConfigError):
    """A component needs a package that is not installed."""

    def __init__(self, component: str, package: str) -> None:
        super().__init__(f"{component} needs the package '{package}': pip install {package}")


class TrainingDataError(HotlineError, ValueError):
    """Training data that breaks the Rasa 3 NLU YAML schema; names the file."""

    def __init__(self, filename: str, message: str) -> None:
        super().__init__(f"{filename}: {message}")
        self.filename = filename


class ModelNotFoundError(HotlineError, FileNotFoundError):
    """No trained model in the models directory."""
