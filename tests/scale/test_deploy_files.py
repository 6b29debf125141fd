"""deploy/: the compose file, nginx config and image recipe say what the guide promises.

Docker is not run here (no images can be pulled offline); the files are parsed and checked."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nginx() -> str:
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())  # directives only


def test_compose_has_postgres_redis_three_apps_and_nginx(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "app", "nginx", "migrate"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    app = services["app"]
    assert app["deploy"]["replicas"] == 3
    assert app["command"][:4] == ["hotline", "serve", "--host", "0.0.0.0"]
    assert app["build"]["dockerfile"] == "deploy/Dockerfile" and "ports" not in app  # only nginx is published
    assert services["nginx"]["ports"] and "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]
    assert services["migrate"]["command"] == ["hotline", "db", "upgrade"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_app_replica_reads_the_deploy_endpoints_and_its_variables(compose: dict[str, Any]) -> None:
    env = compose["services"]["app"]["environment"]
    assert env["HOTLINE_ENDPOINTS"] == "deploy/endpoints.yml"
    needed = set(re.findall(r"\$\{(\w+)\}", (DEPLOY / "endpoints.yml").read_text(encoding="utf-8")))
    assert needed and needed <= set(env), needed - set(env)
    assert env["POSTGRES_HOST"] == "postgres" and env["REDIS_HOST"] == "redis"


def test_nginx_upgrades_websockets_round_robin_with_long_timeouts(nginx: str) -> None:
    assert re.search(r"proxy_http_version\s+1\.1;", nginx)
    assert re.search(r"proxy_set_header\s+Upgrade\s+\$http_upgrade;", nginx)
    assert re.search(r"proxy_set_header\s+Connection\s+\$connection_upgrade;", nginx)
    assert re.search(r"map\s+\$http_upgrade\s+\$connection_upgrade", nginx)
    timeout = re.search(r"proxy_read_timeout\s+(\d+)s;", nginx)
    assert timeout and int(timeout.group(1)) >= 3600
    assert re.search(r"upstream\s+hotline\s*\{[^}]*server\s+app:8000", nginx)
    assert re.search(r"proxy_pass\s+http://hotline;", nginx)
    for sticky in ("ip_hash", "sticky", "hash ", "least_conn"):
        assert sticky not in nginx, f"{sticky}: no session affinity is needed, keep round-robin"
    assert nginx.count("{") == nginx.count("}")


def test_image_is_python_311_slim_with_cpu_torch_and_a_trained_model() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in dockerfile
    assert "make kb model" in dockerfile and "HOTLINE_HOME=/app" in dockerfile


def test_env_example_sets_every_required_variable(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(\w+):\?", text))
    given = {line.split("=", 1)[0] for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")}
    assert required and required <= given
