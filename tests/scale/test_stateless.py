"""Stateless app servers: three ``hotline serve`` processes, each in its own empty working
directory (no shared files at all), PostgreSQL, Redis, and Debian's nginx with deploy/nginx.conf
as the round-robin proxy (websocket upgrade, no sticky sessions). Every journey goes through the
proxy; killing any one app process loses nothing."""
from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine

from bot import model_store
from handoff.storage.database import engine_url
from handoff.storage.model_db import DatabaseModels
from tests.chat_client import Agent, Citizen, login
from tests.conftest import DEV_SET, KB_SEED, OPEN_CLOCK
from tests.infra import PostgresServer, RedisServer, nginx_binary
from tests.scale.topology import Topology, seed, topology

KB_ID = "ATM-001"


@pytest.fixture(scope="module")
def world(kb_project: Path, pg: PostgresServer, redis_srv: RedisServer,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if nginx_binary() is None:
        from tests.infra import NGINX_HINT, _missing

        _missing(NGINX_HINT)
    database_url = pg.create_database("stateless_" + secrets.token_hex(4))
    seed(database_url, KB_SEED, model_store.deployed(kb_project / "models"))
    env = {"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_REDIS_PREFIX": f"s{secrets.token_hex(3)}:",
           "HOTLINE_REGRESSION_SET": str(DEV_SET)}
    with topology(tmp_path_factory.mktemp("stateless"), database_url, redis_srv.url, kb_project / "config.yml",
                  env=env) as running:
        yield running


def staff(world: Topology, username: str) -> httpx.Client:
    return httpx.Client(base_url=world.url, timeout=60,
                        headers={"Authorization": f"Bearer {login(world.url, username)}"})


def eventually(check: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (httpx.HTTPError, AssertionError, KeyError):
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {what}")
        time.sleep(0.3)


def rest(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
    response.raise_for_status()
    return list(response.json())


def test_each_process_starts_from_an_empty_directory_and_fetches_the_deployed_model(world: Topology) -> None:
    version = httpx.get(f"{world.apps[0].url}/health").json()["model"]
    pids = {httpx.get(f"{world.url}/health").json()["pid"] for _ in range(6)}
    assert len(pids) == 3  # round-robin over all three, no stickiness
    for app in world.apps:
        assert httpx.get(f"{app.url}/health").json()["model"] == version
        # nothing but the release's config and the model cache; no var/, no KB file, no nlu_data/
        assert app.files() == ["config.yml", "models/", f"models/{version}/"]


def test_a_chat_and_a_handoff_across_processes_through_the_proxy(world: Topology) -> None:
    citizen = Citizen(world.url)
    kb_answer = httpx.get(f"{world.url}/api/kb/search", params={"q": KB_ID},
                          headers={"Authorization": f"Bearer {login(world.url, 'agent1')}"}).json()[0]["answer"]
    assert citizen.say(f"/{KB_ID}")["text"].startswith(kb_answer)  # the KB, read from the database
    citizen.send(type="message", text="/handoff_yes")
    citizen.wait_type("state", state="queued")
    agent = Agent(world.url, "agent2")
    agent.send(type="accept")
    assert agent.wait_type("assigned")["conversation_id"] == citizen.conversation_id
    citizen.wait_type("state", state="with_agent")
    agent.send(type="message", conversation_id=citizen.conversation_id, text="您好，我是客服人員。", client_id="a")
    assert citizen.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "agent")["text"] == "您好，我是客服人員。"
    citizen.send(type="message", text="謝謝您", client_id="c")
    assert agent.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "citizen")["text"] == "謝謝您"
    agent.send(type="close", conversation_id=citizen.conversation_id,
               wrapup={"category": "領取", "summary": "ATM", "case_needed": False})
    assert agent.wait_type("closed")["reason"] == "agent"
    citizen.close()
    agent.close()
    time.sleep(0.5)  # nginx logs a websocket when it closes
    chat, console = world.nginx.upstreams_of("/ws/chat")[-1], world.nginx.upstreams_of("/ws/agent")[-1]
    assert chat != console  # the citizen and the agent were served by different processes


def test_a_kb_approval_is_seen_by_every_process(world: Topology) -> None:
    new_answer = f"【更新 {secrets.token_hex(2)}】提款卡插入任一臺 ATM 即可領取。"
    with staff(world, "boss") as boss:
        assert boss.put(f"/api/kb/entries/{KB_ID}", json={"answer": new_answer}).status_code == 200
        approved = boss.post(f"/api/kb/entries/{KB_ID}/approve", json={"note": "三台一起生效"})
    assert approved.status_code == 200, approved.text
    for app in world.apps:  # each process directly: its own in-memory copy was reloaded
        eventually(lambda app=app: rest(app.url, f"kb-{app.port}-{time.monotonic_ns()}", f"/{KB_ID}")[0]["text"]
                   .startswith(new_answer), what=f"the new answer on {app.url}")
    with staff(world, "agent1") as agent:
        assert approved.json()["announcement_id"] in [a["id"] for a in agent.get("/api/announcements").json()]


def test_a_new_entry_s_training_examples_go_to_the_database_not_a_file(world: Topology) -> None:
    from sqlalchemy import select

    from handoff.storage.schema import training_examples
    from kb_sync.store import KnowledgeBase

    kb = KnowledgeBase(world.env["HOTLINE_DATABASE_URL"])
    try:
        draft = kb.add_draft("普發現金可以捐給公益團體嗎？", "特殊狀況", examples=["6000能不能捐出去"])
    finally:
        kb.close()
    with staff(world, "boss") as boss:
        assert boss.put(f"/api/kb/entries/{draft}", json={"answer": "可以，領取後自行捐贈。", "agency": "財政部"}).status_code == 200
        result = boss.post(f"/api/kb/entries/{draft}/approve", json={}).json()
    assert result["training_file"] == "database → nlu_data/approved_drafts.yml", result
    engine = create_engine(engine_url(world.env["HOTLINE_DATABASE_URL"]))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(training_examples.c.file, training_examples.c.text)
                                .where(training_examples.c.intent == draft)).all()
    finally:
        engine.dispose()
    assert sorted(rows) == [("approved_drafts.yml", "6000能不能捐出去"), ("approved_drafts.yml", "普發現金可以捐給公益團體嗎？")]
    assert all("nlu_data/" not in app.files() for app in world.apps)


def test_a_model_deploy_reaches_every_process(world: Topology, tmp_path: Path) -> None:
    serving = httpx.get(f"{world.apps[0].url}/health").json()["model"]
    candidate = "29991231-000000-000000"  # trained "elsewhere": a copy under a new version name
    shutil.copytree(world.apps[0].home / "models" / serving, tmp_path / candidate)
    engine = create_engine(engine_url(world.env["HOTLINE_DATABASE_URL"]))
    try:
        DatabaseModels(engine).push(tmp_path / candidate)
    finally:
        engine.dispose()
    with staff(world, "engineer1") as engineer:
        response = engineer.post("/api/models/deploy", json={"version": candidate, "force": True,
                                                              "reason": "stateless test"})
    assert response.status_code == 200, response.text
    eventually(lambda: {httpx.get(f"{a.url}/health").json()["model"] for a in world.apps} == {candidate},
               what="every process serving the candidate")
    for app in world.apps:
        assert (app.home / "models" / candidate / "pipeline.json").is_file()  # fetched by each process itself


def test_the_rest_webhook_with_redis_answers_through_the_proxy(world: Topology) -> None:
    for n in range(6):  # every process in turn
        replies = rest(world.url, f"rest-{n}-{secrets.token_hex(2)}", "你好")
        assert replies and replies[0]["text"], replies


def test_killing_any_one_app_process_loses_nothing(world: Topology) -> None:
    citizen = Citizen(world.url)
    citizen.send(type="message", text="/handoff_yes")
    citizen.wait_type("state", state="queued")
    agent = Agent(world.url, "agent1")
    agent.send(type="accept")
    conversation = agent.wait_type("assigned")["conversation_id"]
    assert conversation == citizen.conversation_id
    said: list[str] = []
    for index in range(len(world.apps)):  # each app process in turn, whoever it serves
        text = f"第 {index + 1} 台停機前的訊息"
        citizen.send(type="message", text=text, client_id=f"k{index}")
        citizen.wait_type("ack")
        said.append(text)
        agent.wait_for(lambda f, text=text: f.get("type") == "message" and f.get("text") == text, timeout=15)
        world.kill(index)  # SIGKILL: whoever it served reconnects through nginx to the others
        citizen.close()
        agent.close()
        citizen = Citizen(world.url, conversation, citizen.token, last_seq=0)
        texts = citizen.message_texts()
        assert set(said) <= set(texts), texts
        agent = Agent(world.url, "agent1")
        reply = f"收到第 {index + 1} 則"
        agent.send(type="message", conversation_id=conversation, text=reply, client_id=f"r{index}")
        assert agent.wait_for(lambda f: f.get("type") in ("ack", "error"), timeout=15)["type"] == "ack"
        assert citizen.wait_for(lambda f, reply=reply: f.get("type") == "message" and f.get("text") == reply,
                                timeout=15)
        world.replace(index)  # a new process in a new empty directory on that port
    for app in world.apps:
        assert app.files()[:2] == ["config.yml", "models/"] and "var/" not in app.files()
