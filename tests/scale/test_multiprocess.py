"""Three server processes on loopback share one PostgreSQL store and one Redis queue/relay.

Each test starts from a fresh database; the processes are real ``hotline serve`` subprocesses.
"""
from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from kb_sync.readers import read_entries
from kb_sync.store import KnowledgeBase
from tests.chat_client import Agent, Citizen
from tests.conftest import DEV_SET, KB_SEED, OPEN_CLOCK
from tests.infra import PostgresServer, RedisServer
from tests.projects import private_project
from tests.servers import free_port, running_server

GRACE = "2"


@dataclass
class Cluster:
    urls: list[str]
    database_url: str
    env: dict[str, str]
    home: Path

    def sql(self, query: str, *args: object) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return list(conn.execute(query, args).fetchall())


def _add_staff(database_url: str, users: list[tuple[str, str, int]]) -> None:
    from handoff.auth import hash_password
    from handoff.storage.database import Database
    from handoff.storage.store import SQLConversationStore

    db = Database(database_url)
    store = SQLConversationStore(db)
    for username, role, capacity in users:
        asyncio.run(store.add_user(username, hash_password("password1"), role, None, capacity))
    db.close()


@pytest.fixture()
def home(kb_project: Path, tmp_path: Path) -> Path:
    """A private copy of the test project (its models can be deployed without touching others)."""
    return private_project(kb_project, tmp_path / "project", chat_db=False)


@pytest.fixture()
def cluster(home: Path, pg: PostgresServer, redis_srv: RedisServer) -> Iterator[Cluster]:
    database_url = pg.create_database("chat_" + secrets.token_hex(4))
    _add_staff(database_url, [("agent1", "agent", 3), ("agent2", "agent", 3), ("boss", "supervisor", 3),
                              ("engineer1", "engineer", 3),
                              *((f"p{i}", "agent", 20) for i in range(1, 4))])
    kb = KnowledgeBase(database_url)  # the KB lives in the shared database
    kb.import_entries(read_entries(KB_SEED), KB_SEED.name)
    kb.close()
    prefix = f"t{secrets.token_hex(3)}:"
    env = {"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_AGENT_GRACE_SECONDS": GRACE, "HOTLINE_DATABASE_URL": database_url,
           "HOTLINE_REDIS_URL": redis_srv.url, "HOTLINE_REDIS_PREFIX": prefix,
           "HOTLINE_REGRESSION_SET": str(DEV_SET)}
    with ExitStack() as stack:
        urls = [stack.enter_context(running_server(home, env=env)) for _ in range(3)]
        yield Cluster(urls, database_url, env, home)


def _queue(citizen: Citizen) -> None:
    citizen.send(type="message", text="/handoff_yes")
    citizen.wait_type("state", state="queued")


def test_citizens_on_three_processes_share_one_fifo_queue(cluster: Cluster) -> None:
    a, b, c = cluster.urls
    citizens = [Citizen(url) for url in (a, b, c, a)]
    for citizen in citizens:
        _queue(citizen)
    assert citizens[3].wait_type("queue", timeout=5)["position"] >= 1
    agent = Agent(b, "p1")
    order = []
    for _ in citizens:
        agent.send(type="accept")
        order.append(agent.wait_type("assigned")["conversation_id"])
    assert order == [c.conversation_id for c in citizens]  # first queued, first served, whatever process


def test_agent_on_process_c_serves_a_citizen_on_process_a(cluster: Cluster) -> None:
    a, _, c = cluster.urls
    citizen = Citizen(a)
    first = citizen.say("我家的貓咪可不可以也領一份")
    assert {"title": "真人客服", "payload": "/handoff_yes"} in first["buttons"]
    _queue(citizen)
    agent = Agent(c, "agent1")
    agent.wait_for(lambda f: f["type"] == "queue" and any(
        e["conversation_id"] == citizen.conversation_id for e in f["entries"]))
    agent.send(type="accept")
    assigned = agent.wait_type("assigned")
    assert assigned["conversation_id"] == citizen.conversation_id
    assert any(m["text"] == "我家的貓咪可不可以也領一份" for m in assigned["transcript"])
    citizen.wait_type("state", state="with_agent")

    agent.send(type="message", conversation_id=citizen.conversation_id, text="您好，寵物不在發放對象內喔。",
               client_id="a1")
    assert agent.wait_type("ack")["seq"] > 0
    assert citizen.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "agent")["text"] \
        == "您好，寵物不在發放對象內喔。"
    citizen.send(type="message", text="了解，謝謝")
    assert agent.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "citizen")["text"] == "了解，謝謝"

    agent.send(type="close", conversation_id=citizen.conversation_id,
               wrapup={"category": "發放對象", "summary": "寵物", "case_needed": False})
    assert agent.wait_type("closed")["reason"] == "agent"
    citizen.wait_for(lambda f: f.get("type") == "message" and f.get("kind") == "survey")
    citizen.send(type="survey", score=5)
    citizen.wait_for(lambda f: f.get("type") == "message" and f.get("kind") == "goodbye")
    row = cluster.sql("select state, outcome, agent, survey_score, agent_turns from conversations where id=%s",
                      citizen.conversation_id)
    assert row == [("closed", "agent_resolved", "agent1", 5, 1)]
    assert cluster.sql("select score from surveys where conversation_id=%s", citizen.conversation_id) == [(5,)]


def test_kill_9_of_the_citizens_process_then_resume_on_another(cluster: Cluster) -> None:
    _, b, _ = cluster.urls
    with running_server(cluster.home, port=free_port(), env=cluster.env) as doomed:
        citizen = Citizen(doomed)
        citizen.say("ATM什麼時候可以領6000")
        _queue(citizen)
        agent = Agent(b, "agent2")
        agent.send(type="accept")
        assert agent.wait_type("assigned")["conversation_id"] == citizen.conversation_id
        agent.send(type="message", conversation_id=citizen.conversation_id, text="您好，請問您在哪一縣市？",
                   client_id="q")
        citizen.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "agent")
        citizen.send(type="message", text="我在台中", client_id="last")
        acked = citizen.wait_type("ack")["seq"]
        os.kill(int(httpx.get(f"{doomed}/health").json()["pid"]), signal.SIGKILL)
    again = Citizen(b, citizen.conversation_id, citizen.token, last_seq=0)
    texts = again.message_texts()
    assert {"ATM什麼時候可以領6000", "您好，請問您在哪一縣市？", "我在台中"} <= set(texts)
    assert cluster.sql("select max(seq) from messages where conversation_id=%s", citizen.conversation_id)[0][0] >= acked
    agent.send(type="message", conversation_id=citizen.conversation_id, text="台中的郵局都可以領喔。", client_id="r")
    assert again.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "agent")["text"] == "台中的郵局都可以領喔。"


def test_kill_9_of_the_agents_process_requeues_their_chat_at_the_front(cluster: Cluster) -> None:
    a, _, c = cluster.urls
    waiting, served = Citizen(a), Citizen(a)
    with running_server(cluster.home, port=free_port(), env=cluster.env) as doomed:
        _queue(served)
        agent = Agent(doomed, "agent2")
        agent.send(type="accept")
        assert agent.wait_type("assigned")["conversation_id"] == served.conversation_id
        served.wait_type("state", state="with_agent")
        _queue(waiting)
        os.kill(int(httpx.get(f"{doomed}/health").json()["pid"]), signal.SIGKILL)
    served.wait_type("state", state="queued", timeout=15)  # presence expired after the grace period
    rescuer = Agent(c, "agent1")
    rescuer.send(type="accept")
    assert rescuer.wait_type("assigned")["conversation_id"] == served.conversation_id  # ahead of `waiting`


def test_redis_restart_mid_run_loses_nothing(cluster: Cluster, redis_srv: RedisServer) -> None:
    a, b, c = cluster.urls
    chatting, queued = Citizen(a), Citizen(b)
    _queue(chatting)
    agent = Agent(c, "p2")
    agent.send(type="accept")
    assert agent.wait_type("assigned")["conversation_id"] == chatting.conversation_id
    _queue(queued)

    redis_srv.stop()
    chatting.send(type="message", text="Redis 停機時送出的訊息", client_id="down")
    assert chatting.wait_type("ack", timeout=15)["seq"] > 0  # stored in PostgreSQL, acknowledged
    redis_srv.start()

    heard = agent.wait_for(lambda f: f.get("type") == "message" and f.get("text") == "Redis 停機時送出的訊息",
                           timeout=20)
    assert heard["conversation_id"] == chatting.conversation_id
    agent.send(type="message", conversation_id=chatting.conversation_id, text="收到了", client_id="back")
    assert chatting.wait_for(lambda f: f.get("type") == "message" and f.get("text") == "收到了", timeout=20)
    deadline = time.monotonic() + 20  # the queue is rebuilt from PostgreSQL
    while True:
        agent.send(type="accept")
        frame = agent.wait_for(lambda f: f.get("type") in ("assigned", "error"), timeout=10)
        if frame["type"] == "assigned":
            assert frame["conversation_id"] == queued.conversation_id
            break
        assert time.monotonic() < deadline, frame
        time.sleep(0.5)


def test_assignment_is_atomic_under_concurrency(cluster: Cluster) -> None:
    citizens = [Citizen(cluster.urls[i % 3]) for i in range(15)]
    for citizen in citizens:
        _queue(citizen)
    agents = [Agent(url, f"p{i}") for i, url in enumerate(cluster.urls, start=1)]
    got: dict[str, list[str]] = {}
    start = threading.Barrier(len(agents))

    def grab(agent: Agent) -> None:
        start.wait()
        mine = got.setdefault(agent.hello["agent"], [])
        for _ in range(8):
            agent.send(type="accept")
        for _ in range(8):
            frame = agent.wait_for(lambda f: f.get("type") in ("assigned", "error"), timeout=20)
            if frame["type"] == "assigned":
                mine.append(frame["conversation_id"])

    threads = [threading.Thread(target=grab, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    taken = [cid for ids in got.values() for cid in ids]
    assert len(taken) == len(set(taken)) == len(citizens)  # each chat to exactly one agent
    assert set(taken) == {c.conversation_id for c in citizens}
    rows = cluster.sql("select agent, count(*) from conversations where state='with_agent' group by agent")
    assert sorted(rows) == sorted((name, len(ids)) for name, ids in got.items() if ids)


def test_a_deploy_reaches_every_process_without_dropping_chats(cluster: Cluster) -> None:
    from tests.chat_client import login

    a, b, c = cluster.urls
    models = cluster.home / "models"
    current = {httpx.get(f"{url}/health").json()["model"] for url in cluster.urls}
    assert len(current) == 1
    candidate = "29991231-000000-000000"  # a copy of the serving model under a new version name
    shutil.copytree(models / current.pop(), models / candidate)
    citizen = Citizen(b)
    _queue(citizen)
    agent = Agent(c, "agent1")
    agent.send(type="accept")
    assert agent.wait_type("assigned")["conversation_id"] == citizen.conversation_id

    token = login(a, "engineer1")
    response = httpx.post(f"{a}/api/models/deploy", headers={"Authorization": f"Bearer {token}"}, timeout=120,
                          json={"version": candidate, "force": True, "reason": "scale-out test"})
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 15
    while {httpx.get(f"{url}/health").json()["model"] for url in cluster.urls} != {candidate}:
        assert time.monotonic() < deadline, "a process kept the old model"
        time.sleep(0.2)
    agent.send(type="message", conversation_id=citizen.conversation_id, text="部署後仍在線上", client_id="d")
    assert citizen.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "agent")["text"] == "部署後仍在線上"
