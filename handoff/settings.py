"""Settings declared once, typed, read from ``HOTLINE_*`` environment variables.

Every setting is documented in README ("Settings"); ``test_settings_are_documented_in_readme``
(tests/test_cli.py) fails when one is not.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from handoff.endpoints import load_endpoints

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    home: Path = Field(PROJECT_ROOT, description="Project directory; relative paths below start here.")
    config_path: Path = Field(Path("config.yml"), description="Rasa-style NLU pipeline and policies.")
    nlu_data: Path = Field(Path("nlu_data"), description="Rasa 3 YAML training data directory.")
    models_dir: Path = Field(Path("models"), description="Versioned trained models and the DEPLOYED pointer.")
    model_store: str = Field("files", description="Where model versions, the deployed pointer and the service's "
                             "training-data edits live: 'files' (models/, nlu_data/) or 'database' (the "
                             "conversation database; models/ is then a local cache).")
    data_dir: Path = Field(Path("var"), description="SQLite databases and logs.")
    kb_seed: Path = Field(Path("../shared/kb/faq.jsonl"), description="KB file imported by 'make run' when the KB is empty.")
    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(8000, description="Port the server listens on.")
    max_text_chars: int = Field(2000, description="Longest citizen message accepted, in characters.")
    database_url: str = Field("", description="Conversation store: sqlite:///path or postgresql://…; "
                              "empty means sqlite:///<data_dir>/chat.db.")
    agent_grace_seconds: float = Field(30.0, description="How long a disconnected agent keeps their chats.")
    citizen_grace_seconds: float = Field(120.0, description="How long a queued citizen may be disconnected "
                                         "before the chat counts as abandoned.")
    wrapup_seconds: float = Field(60.0, description="After-chat work: how long an agent stays in wrap-up after "
                                  "closing a chat before counting as ready again (0 = at once).")
    regression_set: Path = Field(Path("../shared/eval/dev.jsonl"),
                                 description="Questions every candidate model is compared on (plus labelled misses).")
    gate_max_success_drop: float = Field(0.0, description="Deploy gate: largest success drop allowed.")
    gate_max_wrong_rise: float = Field(0.0, description="Deploy gate: largest rise of the wrong-answer rate allowed.")
    nlu_threads: int = Field(1, description="OpenMP threads of the sentence encoder inside the server.")
    clock: str = Field("", description="ISO timestamp with offset: start the clock there (tests, demos).")
    endpoints: Path = Field(Path("endpoints.yml"), description="Rasa-style endpoints file: tracker_store (the "
                            "database), lock_store and event_broker (memory or Redis); missing means the embedded default.")
    redis_url: str = Field("", description="redis://… for the shared queue, presence and relay; empty means in-process "
                           "(overrides endpoints.yml).")
    redis_prefix: str = Field("hotline:", description="Prefix of every Redis key and channel (several deployments "
                              "may share one Redis).")
    smtp_host: str = Field("", description="SMTP server for case notifications; empty means notifications stay in the pages.")
    smtp_port: int = Field(25, description="SMTP port.")
    smtp_from: str = Field("hotline@localhost", description="Sender address of notification e-mails.")
    case_sweep_seconds: float = Field(60.0, description="How often deadlines are checked for reminders and escalation.")
    public_url: str = Field("http://127.0.0.1:8000", description="Address staff use, for links in e-mails.")
    token_ttl_seconds: float = Field(8 * 3600, gt=0, description="How long a staff login token stays valid.")
    raw_retention_days: float = Field(90.0, gt=0, description="Raw transcripts older than this (closed chats) "
                                      "are masked by the retention purge; statistics are kept.")
    sms_sender: str = Field("logging", description="How case results reach citizens by SMS: 'logging' (logged, "
                            "number masked) or 'package.module:ClassName' of a provider class.")
    status_rate_limit: int = Field(10, description="Case-status page: lookups allowed per client address per minute.")
    rest_callback_secret: str = Field("", description="Shared secret that signs REST-channel callback posts "
                                      "(HMAC-SHA256 in X-Hotline-Signature); empty means unsigned.")
    rest_callback_seconds: float = Field(1.0, description="How often agent messages are pushed to REST callback URLs "
                                         "(0 turns it off).")

    def path(self, value: Path) -> Path:
        """``value`` resolved against ``home``."""
        return value if value.is_absolute() else (self.home / value).resolve()

    @property
    def kb_db(self) -> str:
        """Where the KB lives: the conversation database (its URL), so no app server keeps it on disk."""
        return self.chat_database_url

    @property
    def legacy_kb_file(self) -> Path:
        """The KB file of releases before issue 17 (sqlite-utils), adopted once by ``hotline kb adopt-file``."""
        return self.path(self.data_dir) / "kb.db"

    @property
    def embedded_database_url(self) -> str:
        return f"sqlite:///{self.path(self.data_dir) / 'chat.db'}"

    @property
    def chat_database_url(self) -> str:
        """The conversation store: HOTLINE_DATABASE_URL, else endpoints.yml's tracker_store, else SQLite."""
        return load_endpoints(self).database_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # values from the environment (no pydantic mypy plugin)
