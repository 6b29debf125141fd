"""Where the shared state lives, read from a Rasa-style ``endpoints.yml``.

Rasa's field names, so a Rasa operator reads it at sight::

    tracker_store:            # the conversation database (PostgreSQL is the record)
      type: sql
      dialect: postgresql     # or sqlite (then ``db`` is the file path)
      url: db.internal        # host; or a whole URL: postgresql://user:pw@host:5432/hotline
      port: 5432
      db: hotline
      username: hotline
      password: ${POSTGRES_PASSWORD}
    lock_store:               # queue, presence and agent leases
      type: redis             # or in_memory
      url: redis.internal     # host; or redis://…
      port: 6379
      password: ${REDIS_PASSWORD}
      db: 0
    event_broker:             # the pub/sub relay between processes; same Redis as lock_store
      type: redis

``${VAR}`` is replaced from the environment as Rasa does; an unset variable is an error naming
it. No file means the embedded default (SQLite under ``data_dir``, in-process queue and relay).
``HOTLINE_DATABASE_URL`` and ``HOTLINE_REDIS_URL`` override the file.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import yaml
from sqlalchemy.engine import URL

from bot.errors import ConfigError

_ENV = re.compile(r"\$\{([^}:]+)\}")
_REDIS_TYPES = {"redis", "redislockstore", "rasa.core.lock_store.redislockstore"}
_MEMORY_TYPES = {"in_memory", "inmemory", "inmemorylockstore", "memory"}
_DIALECTS = {"postgresql", "postgres", "sqlite"}


class EndpointSettings(Protocol):
    """The settings this reader needs (handoff/settings.py ``Settings`` has them); a protocol, so the
    settings may use this module without an import cycle."""

    endpoints: Path
    database_url: str
    redis_url: str

    @property
    def embedded_database_url(self) -> str: ...
    def path(self, value: Path) -> Path: ...


@dataclass(frozen=True)
class Endpoints:
    """``database_url``: sqlite:///… or postgresql://…; ``redis_url``: redis://… or None (in-process)."""

    database_url: str
    redis_url: str | None


class EndpointsError(ConfigError):
    """endpoints.yml is malformed; the message names the file and the key."""

    code = "endpoints"

    def __init__(self, path: Path, key: str, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}")
        self.path = path
        self.key = key


def load_endpoints(settings: EndpointSettings) -> Endpoints:
    """The endpoints for ``settings``: its file (when present), then the HOTLINE_* overrides."""
    path = settings.path(settings.endpoints)
    database_url = settings.database_url or None
    redis_url = settings.redis_url or None
    if path.exists():
        sections = read_endpoints_file(path)
        if database_url is None and sections.get("tracker_store") is not None:
            database_url = _tracker_store_url(path, sections["tracker_store"], settings)
        if redis_url is None:
            redis_url = _redis_url(path, sections.get("lock_store"), sections.get("event_broker"))
    return Endpoints(database_url=database_url or settings.embedded_database_url, redis_url=redis_url)


def read_endpoints_file(path: Path) -> dict[str, Any]:
    """The YAML mapping with ``${VAR}`` substituted; an empty file is an empty mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EndpointsError(path, "(file)", f"not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EndpointsError(path, "(file)", "expected a mapping of tracker_store, lock_store, event_broker")
    return {key: _substitute(path, str(key), value) for key, value in data.items()}


def _substitute(path: Path, key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(path, f"{key}.{k}", v) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(path, f"{key}[{i}]", v) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    missing = [name for name in _ENV.findall(value) if name not in os.environ]
    if missing:
        raise EndpointsError(path, key, f"environment variable(s) {', '.join(missing)} not set "
                                        f"(set them, or write the value into the file)")
    return _ENV.sub(lambda m: os.environ[m.group(1)], value)


def _section(path: Path, name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EndpointsError(path, name, "expected a mapping with a 'type' key")
    return value


def _type(path: Path, name: str, section: dict[str, Any], default: str) -> str:
    kind = section.get("type", default)
    if not isinstance(kind, str):
        raise EndpointsError(path, f"{name}.type", f"expected a string, got {kind!r}")
    return kind.strip().lower()


def _tracker_store_url(path: Path, value: Any, settings: EndpointSettings) -> str:
    section = _section(path, "tracker_store", value)
    kind = _type(path, "tracker_store", section, "sql")
    if kind not in ("sql", "sqltrackerstore"):
        raise EndpointsError(path, "tracker_store.type", f"{kind!r} is not supported: use 'sql' "
                             "(dialect postgresql or sqlite), or remove the section for the embedded SQLite")
    url = section.get("url")
    if isinstance(url, str) and "://" in url:  # a whole URL
        if not url.startswith(("postgresql://", "postgres://", "postgresql+", "sqlite:///")):
            raise EndpointsError(path, "tracker_store.url", "expected postgresql://… or sqlite:///…")
        return url
    dialect = str(section.get("dialect", "sqlite")).lower()
    if dialect not in _DIALECTS:
        raise EndpointsError(path, "tracker_store.dialect", f"{dialect!r} is not supported: use postgresql or sqlite")
    if dialect == "sqlite":
        db = section.get("db")
        if not db:
            return settings.embedded_database_url
        return f"sqlite:///{settings.path(Path(str(db)))}"
    if not url:
        raise EndpointsError(path, "tracker_store.url", "the PostgreSQL host is missing (e.g. url: localhost)")
    if not section.get("db"):
        raise EndpointsError(path, "tracker_store.db", "the PostgreSQL database name is missing (e.g. db: hotline)")
    query = section.get("query") or {}
    if not isinstance(query, dict):
        raise EndpointsError(path, "tracker_store.query", "expected a mapping of connection parameters")
    return URL.create("postgresql", username=_opt_str(section.get("username")),
                      password=_opt_str(section.get("password")), host=str(url),
                      port=_port(path, "tracker_store.port", section.get("port"), 5432),
                      database=str(section["db"]), query={str(k): str(v) for k, v in query.items()},
                      ).render_as_string(hide_password=False)


def _redis_url(path: Path, lock_store: Any, event_broker: Any) -> str | None:
    """One Redis for queue, presence and relay: lock_store and event_broker must agree."""
    lock = _redis_backend(path, "lock_store", lock_store)
    broker = _redis_backend(path, "event_broker", event_broker)
    if broker == "" and (lock is None or lock == ""):
        raise EndpointsError(path, "event_broker.url", "the Redis host is missing (e.g. url: localhost), "
                             "and lock_store is not Redis to share it with")
    if lock == "":
        raise EndpointsError(path, "lock_store.url", "the Redis host is missing (e.g. url: localhost)")
    if broker == "":
        broker = lock
    if lock_store is not None and event_broker is not None and lock != broker:
        raise EndpointsError(path, "event_broker", "must match lock_store: hotline keeps its queue, presence "
                             "and relay in one Redis (give both the same type and url, or only lock_store)")
    return lock or broker


def _redis_backend(path: Path, name: str, value: Any) -> str | None:
    """None for in_memory or absent, the URL for redis, "" for redis without a host."""
    if value is None:
        return None
    section = _section(path, name, value)
    kind = _type(path, name, section, "in_memory")
    if kind in _MEMORY_TYPES:
        return None
    if kind not in _REDIS_TYPES:
        raise EndpointsError(path, f"{name}.type", f"{kind!r} is not supported: use in_memory or redis")
    url = section.get("url")
    if isinstance(url, str) and "://" in url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise EndpointsError(path, f"{name}.url", "expected redis://…, rediss://… or a host name")
        return url
    if not url:
        return ""
    db = section.get("db", 0)
    if not isinstance(db, int) and not (isinstance(db, str) and db.isdigit()):
        raise EndpointsError(path, f"{name}.db", f"expected a Redis database number, got {db!r}")
    scheme = "rediss" if section.get("use_ssl") in (True, "true", "True") else "redis"
    username, password = _opt_str(section.get("username")), _opt_str(section.get("password"))
    auth = f"{quote(username or '', safe='')}:{quote(password, safe='')}@" if password else ""
    port = _port(path, f"{name}.port", section.get("port"), 6379)
    return f"{scheme}://{auth}{url}:{port}/{db}"


def _port(path: Path, key: str, value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise EndpointsError(path, key, f"expected a port number, got {value!r}") from None
    if not 0 < port < 65536:
        raise EndpointsError(path, key, f"port {port} is out of range")
    return port


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
