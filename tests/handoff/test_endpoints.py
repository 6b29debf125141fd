"""endpoints.yml (handoff/endpoints.py): Rasa's field names, ${ENV} substitution, HOTLINE_* overrides."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.errors import ConfigError
from handoff.endpoints import Endpoints, EndpointsError, load_endpoints
from handoff.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def settings_for(tmp_path: Path, text: str | None, **overrides: object) -> Settings:
    if text is not None:
        (tmp_path / "endpoints.yml").write_text(text, encoding="utf-8")
    values: dict[str, object] = {"database_url": "", "redis_url": "", **overrides}
    return Settings(home=tmp_path, data_dir=Path("var"), endpoints=Path("endpoints.yml"), **values)  # type: ignore[arg-type]


def test_no_file_means_the_embedded_default(tmp_path: Path) -> None:
    assert load_endpoints(settings_for(tmp_path, None)) == Endpoints(
        database_url=f"sqlite:///{tmp_path / 'var' / 'chat.db'}", redis_url=None)


def test_empty_file_means_the_embedded_default(tmp_path: Path) -> None:
    assert load_endpoints(settings_for(tmp_path, "")).redis_url is None


RASA_STYLE = """
tracker_store:
  type: SQL
  dialect: postgresql
  url: db.internal
  port: 6543
  db: hotline
  username: hotline
  password: ${PG_PASS}
lock_store:
  type: redis
  url: cache.internal
  port: 6380
  password: ${REDIS_PASS}
  db: 2
event_broker:
  type: redis
  url: cache.internal
  port: 6380
  password: ${REDIS_PASS}
  db: 2
"""


def test_rasa_fields_with_env_substitution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PG_PASS", "s3cret/@:x")
    monkeypatch.setenv("REDIS_PASS", "r:p@ss")
    endpoints = load_endpoints(settings_for(tmp_path, RASA_STYLE))
    assert endpoints.database_url == "postgresql://hotline:s3cret%2F%40%3Ax@db.internal:6543/hotline"
    assert endpoints.redis_url == "redis://:r%3Ap%40ss@cache.internal:6380/2"


def test_the_built_urls_parse_back_to_the_same_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from redis.connection import parse_url
    from sqlalchemy.engine import make_url

    monkeypatch.setenv("PG_PASS", "s3cret/@:x")
    monkeypatch.setenv("REDIS_PASS", "r:p@ss")
    endpoints = load_endpoints(settings_for(tmp_path, RASA_STYLE))
    assert make_url(endpoints.database_url).password == "s3cret/@:x"
    assert parse_url(endpoints.redis_url) == {"password": "r:p@ss", "host": "cache.internal", "port": 6380, "db": 2}


def test_whole_urls_and_broker_sharing_the_lock_store(tmp_path: Path) -> None:
    endpoints = load_endpoints(settings_for(tmp_path, """
tracker_store: {type: sql, url: "postgresql://u:p@h:5432/d"}
lock_store: {type: redis, url: "redis://r:6379/0"}
event_broker: {type: redis}
"""))
    assert endpoints == Endpoints("postgresql://u:p@h:5432/d", "redis://r:6379/0")


def test_sqlite_dialect_and_in_memory_stores(tmp_path: Path) -> None:
    endpoints = load_endpoints(settings_for(tmp_path, """
tracker_store: {type: sql, dialect: sqlite, db: data/store.db}
lock_store: {type: in_memory}
event_broker: {type: in_memory}
"""))
    assert endpoints == Endpoints(f"sqlite:///{tmp_path / 'data' / 'store.db'}", None)


def test_settings_override_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PG_PASS", "x")
    monkeypatch.setenv("REDIS_PASS", "y")
    settings = settings_for(tmp_path, RASA_STYLE, database_url="postgresql://o@other/db", redis_url="redis://other:1/0")
    assert load_endpoints(settings) == Endpoints("postgresql://o@other/db", "redis://other:1/0")


def test_environment_overrides_reach_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "endpoints.yml").write_text("lock_store: {type: redis, url: a}\n", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_HOME", str(tmp_path))
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://b:6379/1")
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOTLINE_ENDPOINTS", raising=False)
    assert load_endpoints(Settings()).redis_url == "redis://b:6379/1"


def test_a_custom_endpoints_path(tmp_path: Path) -> None:
    (tmp_path / "prod.yml").write_text("lock_store: {type: redis, url: r}\n", encoding="utf-8")
    settings = Settings(home=tmp_path, endpoints=Path("prod.yml"), database_url="", redis_url="")
    assert load_endpoints(settings).redis_url == "redis://r:6379/0"


@pytest.mark.parametrize(("text", "key", "fix"), [
    ("tracker_store: {type: sql, dialect: postgresql, url: h, db: d, password: '${NOPE_UNSET}'}",
     "tracker_store.password", "NOPE_UNSET not set"),
    ("tracker_store: {type: mongod}", "tracker_store.type", "use 'sql'"),
    ("tracker_store: {type: sql, dialect: mysql, url: h, db: d}", "tracker_store.dialect", "postgresql or sqlite"),
    ("tracker_store: {type: sql, dialect: postgresql, db: d}", "tracker_store.url", "host is missing"),
    ("tracker_store: {type: sql, dialect: postgresql, url: h}", "tracker_store.db", "database name"),
    ("tracker_store: {type: sql, dialect: postgresql, url: h, db: d, port: abc}", "tracker_store.port", "port number"),
    ("tracker_store: {type: sql, url: 'mysql://h/d'}", "tracker_store.url", "postgresql://"),
    ("tracker_store: [1, 2]", "tracker_store", "mapping"),
    ("lock_store: {type: zookeeper}", "lock_store.type", "in_memory or redis"),
    ("lock_store: {type: redis}", "lock_store.url", "host is missing"),
    ("lock_store: {type: redis, url: h, db: x}", "lock_store.db", "database number"),
    ("event_broker: {type: redis}", "event_broker.url", "host is missing"),
    ("lock_store: {type: redis, url: a}\nevent_broker: {type: redis, url: b}", "event_broker", "must match"),
    ("lock_store: {type: redis, url: a}\nevent_broker: {type: in_memory}", "event_broker", "must match"),
    ("- just a list", "(file)", "mapping"),
    ("tracker_store: {type: sql\n", "(file)", "not valid YAML"),
])
def test_errors_name_the_file_the_key_and_the_fix(tmp_path: Path, text: str, key: str, fix: str) -> None:
    with pytest.raises(EndpointsError) as raised:
        load_endpoints(settings_for(tmp_path, text))
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'endpoints.yml'}: {key}: ") and fix in message
    assert isinstance(raised.value, ConfigError) and isinstance(raised.value, ValueError)


def test_example_files_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """endpoints.example.yml and deploy/endpoints.yml load (with their variables set)."""
    for name in ("POSTGRES_HOST", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "REDIS_HOST", "REDIS_PASSWORD"):
        monkeypatch.setenv(name, "x")
    for path in (ROOT / "endpoints.example.yml", ROOT / "deploy" / "endpoints.yml"):
        settings = Settings(home=path.parent, endpoints=Path(path.name), database_url="", redis_url="")
        endpoints = load_endpoints(settings)
        assert endpoints.database_url.startswith("postgresql://") and endpoints.redis_url, path
    assert "tracker_store" in yaml.safe_load((ROOT / "endpoints.example.yml").read_text(encoding="utf-8"))
    assert not (ROOT / "endpoints.yml").exists(), "the default must stay embedded: commit endpoints.example.yml only"
