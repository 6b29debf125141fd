"""Schemathesis over every REST route of the app's OpenAPI (issue 12, item 6): valid and invalid
data, with and without each role's token. No 5xx, every response matches its schema, and no
traceback in the server log. Bounded: ``EXAMPLES`` cases per route and generation mode.

A server of its own (a private project copy): the fuzz creates conversations, cases and drafts."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.chat_client import Citizen
from tests.conftest import OPEN_CLOCK
from tests.hardening.conftest import Live, login_all, staffed_project, traceback_lines
from tests.servers import free_port, running_server

EXAMPLES = 5
# For the roles allowed to call them these start long jobs (training, deploys): fuzzed as anonymous only.
LONG_JOBS = {("POST", "/api/models/train"), ("POST", "/api/models/compare"), ("POST", "/api/models/deploy"),
             ("POST", "/api/models/rollback")}
# Login attempts are throttled per client address: fuzzing them would lock every later login of the
# run. They have their own tests (test_auth.py, test_isolation.py).
SKIPPED = {("POST", "/auth/login")}
# Values Schemathesis' generators never produce (JSON Schema strings hold no lone surrogates) but
# an attacker sends: one field of a generated case is sometimes replaced by one of these.
HOSTILE = [None, "\ud800", "a\udfffb", 10**30, -(2**70), "\x00"]


def poison(case: schemathesis.Case, value: object, pick: int) -> None:
    """Put ``value`` into one string or integer field of the case (body, path or query)."""
    slots: list[tuple[dict, str]] = []
    body = case.body if isinstance(case.body, dict) else None
    # A client cannot put a lone surrogate into a URL (percent-encoding needs UTF-8): text goes in bodies.
    places = (body,) if isinstance(value, str) else (body, case.path_parameters, case.query)
    for container in places:
        if container:
            slots += [(container, key) for key, v in container.items() if isinstance(v, (str, int))
                      and not isinstance(v, bool)]
    if slots:
        container, key = slots[pick % len(slots)]
        container[key] = value


@pytest.fixture(scope="module")
def fuzz_live(kb_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home = staffed_project(kb_project, tmp_path_factory.mktemp("rest-fuzz") / "home")
    port = free_port()
    with running_server(home, port=port, env={"HOTLINE_CLOCK": OPEN_CLOCK}) as url:
        yield Live(url, home, port)


def test_rest_routes_survive_schemathesis_for_every_role(fuzz_live: Live) -> None:
    tokens = login_all(fuzz_live.url)
    citizen = Citizen(fuzz_live.url)
    citizen.close()
    callers = {"anonymous": None, "citizen": citizen.token, **{r: tokens[r] for r in
                                                                ("agent", "engineer", "supervisor", "agency")}}
    schema = schemathesis.openapi.from_url(f"{fuzz_live.url}/openapi.json")
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        key = (operation.method.upper(), operation.path)
        if key in SKIPPED:
            continue
        names = ["anonymous"] if key in LONG_JOBS else list(callers)
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategy = st.tuples(st.sampled_from(names), operation.as_strategy(generation_mode=mode),
                                 st.sampled_from(HOSTILE), st.integers(0, 20))

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(strategy)
            def run(drawn: tuple[str, schemathesis.Case, object, int]) -> None:
                caller, case, hostile, pick = drawn
                if hostile is not None:
                    poison(case, hostile, pick)
                token = callers[caller]
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                if not token:
                    (case.headers or {}).pop("authorization", None)
                response = case.call(base_url=fuzz_live.url, headers=headers, timeout=30)
                statuses[f"{response.status_code // 100}xx"] += 1
                try:
                    if hostile is not None:
                        assert response.status_code < 500, f"{response.status_code} for {hostile!r}"
                    else:
                        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
                except Exception as exc:  # collect, so one run reports every route that fails
                    failures.append(f"{caller} {key} {mode.value}: {str(exc)[:300]}")
                    raise

            try:
                run()
            except Exception:  # already recorded in failures
                pass
    total = sum(statuses.values())
    print(f"\nschemathesis: {len(operations)} operations, {total} requests, by status {dict(statuses)}")
    (fuzz_live.home / "rest_fuzz.json").write_text(json.dumps({"requests": total, **statuses}), encoding="utf-8")
    assert failures == []
    assert traceback_lines(fuzz_live.log) == []
    assert statuses["5xx"] == 0 and total > 4 * len(operations)
    assert httpx.get(f"{fuzz_live.url}/health").json()["status"] == "ok"
