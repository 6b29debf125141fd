"""Access control as one policy (issue 12, item 3): every route of the app's OpenAPI × every role
(and anonymous, and a citizen's conversation token), then the row rules on conversations.

Routes are enumerated from the running app, so a route added later without an access rule fails
``test_every_route_has_an_access_rule`` with the line to add to handoff/access.py."""
from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

import handoff.app  # noqa: F401  (importing the routers runs their access.register calls)
from handoff.access import ANYONE, RULES
from tests.chat_client import Agent, Citizen
from tests.hardening.conftest import Live, bearer

# Called only to see that they are refused: for the roles allowed they start long jobs.
SIDE_EFFECTS = {("POST", "/api/models/train"), ("POST", "/api/models/compare"), ("POST", "/api/models/deploy"),
                ("POST", "/api/models/rollback")}
PATH_VALUES = {"case_id": "1", "entry_id": "REG-001", "announcement_id": "1", "conversation_id": "c_matrix",
               "name": "財政部"}
CALLERS = ["anonymous", "citizen", "agent", "engineer", "supervisor", "agency"]


def operations(live: Live) -> list[tuple[str, str]]:
    spec = httpx.get(f"{live.url}/openapi.json").json()
    return sorted((method.upper(), path) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete"))


def call(live: Live, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    url = live.url + re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)
    body: Any = {} if method in ("POST", "PUT", "PATCH") else None
    return httpx.request(method, url, json=body, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def citizen_token(live: Live) -> str:
    citizen = Citizen(live.url)
    citizen.close()
    return citizen.token


def test_every_route_has_an_access_rule(live: Live) -> None:
    missing = [f'("{m}", "{p}"): rule(...),' for m, p in operations(live) if (m, p) not in RULES]
    assert not missing, "routes without an access rule; add to RULES in handoff/access.py:\n" + "\n".join(missing)


def test_role_matrix(live: Live, tokens: dict[str, str], citizen_token: str) -> None:
    headers = {"anonymous": {}, "citizen": bearer(citizen_token),
               **{role: bearer(tokens[role]) for role in ("agent", "engineer", "supervisor", "agency")}}
    wrong: list[str] = []
    for method, path in operations(live):
        rule = RULES.get((method, path))
        if rule is None:
            continue  # reported by test_every_route_has_an_access_rule
        for caller in CALLERS:
            allowed = ANYONE in rule.roles or caller in rule.roles
            if allowed and (method, path) in SIDE_EFFECTS:
                continue
            status = call(live, method, path, headers[caller]).status_code
            if status >= 500:
                wrong.append(f"{caller} {method} {path}: {status}")
            elif not allowed and caller in ("anonymous", "citizen") and status != 401:
                wrong.append(f"{caller} {method} {path}: {status}, expected 401")
            elif not allowed and caller not in ("anonymous", "citizen") and status != 403:
                wrong.append(f"{caller} {method} {path}: {status}, expected 403")
            elif allowed and status == 401:
                wrong.append(f"{caller} {method} {path}: 401 although allowed")
    assert wrong == []


def test_notifications_are_for_supervisors_and_agencies_only(live: Live, tokens: dict[str, str]) -> None:
    assert httpx.get(f"{live.url}/api/notifications", headers=bearer(tokens["agent"])).status_code == 403
    assert httpx.get(f"{live.url}/api/notifications", headers=bearer(tokens["engineer"])).status_code == 403
    assert httpx.get(f"{live.url}/api/notifications", headers=bearer(tokens["supervisor"])).status_code == 200
    assert httpx.get(f"{live.url}/api/notifications", headers=bearer(tokens["agency"])).status_code == 200


def _handed_off_chat(live: Live, text: str) -> tuple[Citizen, Agent, str]:
    citizen = Citizen(live.url)
    citizen.say(text)
    citizen.send(type="message", text="/handoff_yes")
    citizen.wait_type("state", state="queued")
    agent = Agent(live.url, "agent1")
    for _ in range(50):
        agent.send(type="accept")
        taken = agent.wait_type("assigned")["conversation_id"]
        if taken == citizen.conversation_id:
            return citizen, agent, taken
        agent.send(type="close", conversation_id=taken, wrapup={})
        agent.wait_type("closed", conversation_id=taken)
    raise AssertionError("chat never came up")


def test_conversation_row_rules(live: Live, tokens: dict[str, str]) -> None:
    """Reproductions: an agency user read ANY conversation (raw ID and phone); any agent or
    engineer read any transcript."""
    secret = "我的身分證A123456789電話0912345678"
    citizen, agent, conversation_id = _handed_off_chat(live, secret)
    agent.send(type="message", conversation_id=conversation_id, text="您好，已為您查詢", client_id="x1")
    agent.wait_type("ack")
    url = f"{live.url}/api/conversations/{conversation_id}"

    def get(role: str) -> httpx.Response:
        return httpx.get(url, headers=bearer(tokens[role]))

    assert get("agent").status_code == 200 and secret in get("agent").text
    assert get("agent2").status_code == 404  # never assigned: as if it did not exist
    assert get("engineer").status_code == 403  # engineers read the masked miss log only
    assert get("supervisor").status_code == 200
    assert get("agency").status_code == 404  # no case of theirs links to it
    assert httpx.get(f"{live.url}/api/conversations/c_nonexistent", headers=bearer(tokens["agency"])).status_code == 404

    agent.send(type="close", conversation_id=conversation_id, wrapup={"category": "其他"})
    agent.wait_type("closed", conversation_id=conversation_id)
    assert get("agent").status_code == 200  # was assigned: still readable after the chat

    case = httpx.post(f"{live.url}/api/cases", headers=bearer(tokens["agent"]), json={
        "conversation_id": conversation_id, "citizen_name": "王小明", "citizen_contact": "0912345678",
        "consent": True, "summary": "民眾詢問領取方式", "agency": "財政部"})
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    supervisor = bearer(tokens["supervisor"])
    assert httpx.post(f"{live.url}/api/cases/{case_id}/approve", headers=supervisor).status_code == 200
    assert httpx.post(f"{live.url}/api/cases/{case_id}/dispatch", headers=supervisor, json={}).status_code == 200

    linked = get("agency")
    assert linked.status_code == 200
    body = linked.json()
    assert body["masked"] is True
    assert "A123456789" not in linked.text and "0912345678" not in linked.text
    assert any("[身分證號]" in m["text"] and "[手機]" in m["text"] for m in body["transcript"])
    assert get("other_agency").status_code == 404  # another agency's case: not theirs
    citizen.close()
    agent.close()
