"""End-to-end: a real server on loopback, real websocket clients, a real SQLite file."""
from __future__ import annotations

import os
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.chat_client import Agent, Citizen, Client, login, staff_subprotocols
from tests.conftest import CLOSED_CLOCK, OPEN_CLOCK
from tests.servers import copy_kb, free_port, running_server


@pytest.fixture(scope="module")
def open_server(kb_project: Path) -> Iterator[str]:
    with running_server(kb_project, env={"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_AGENT_GRACE_SECONDS": "2"}) as url:
        yield url


@pytest.fixture(scope="module")
def closed_server(kb_project: Path) -> Iterator[str]:
    with running_server(kb_project, env={"HOTLINE_CLOCK": CLOSED_CLOCK}) as url:
        yield url


def take(agent: Agent, wanted: set[str]) -> str:
    """Accept chats until one of ``wanted`` comes up, closing older ones other tests left queued."""
    for _ in range(50):
        agent.send(type="accept")
        conversation_id = agent.wait_type("assigned")["conversation_id"]
        if conversation_id in wanted:
            return conversation_id
        agent.send(type="close", conversation_id=conversation_id, wrapup={})
        agent.wait_type("closed", conversation_id=conversation_id)
    raise AssertionError("wanted chat never came up")


def db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "var" / "chat.db")


def test_greeting_follows_the_seed_etiquette(open_server: str) -> None:
    citizen = Citizen(open_server)
    greeting = citizen.wait_type("message", sender="bot")
    assert "很高興為您服務" in greeting["text"] and greeting["kind"] == "greeting"
    citizen.close()


def test_known_faq_is_answered_then_asks_for_anything_else(open_server: str, kb_project: Path) -> None:
    citizen = Citizen(open_server)
    reply = citizen.say("ATM什麼時候可以領6000")
    assert reply["kind"] == "answer" and reply["intent"] == "ATM-001"
    assert reply["text"].endswith("還有其他問題需要為您服務嗎？")
    kb_answer = sqlite3.connect(kb_project / "var" / "chat.db").execute(
        "select answer from kb_entries where id='ATM-001'").fetchone()[0]
    assert reply["text"].startswith(kb_answer)
    citizen.close()


def test_full_handoff_journey_in_staffed_hours(open_server: str, kb_project: Path) -> None:
    citizen = Citizen(open_server)
    first = citizen.say("我家的貓咪可不可以也領一份")
    assert first["kind"] in ("suggestions", "fallback")
    assert {"title": "真人客服", "payload": "/handoff_yes"} in first["buttons"]
    citizen.send(type="message", text="/handoff_yes")
    assert citizen.wait_type("state", state="queued")
    position = citizen.wait_type("queue")
    assert position["position"] >= 1
    if position["estimated_wait_seconds"] is None:  # no ready agent: told so, offered a callback (issue 13)
        assert position["agents_ready"] == 0
        told = citizen.wait_for(lambda f: f.get("type") == "message" and f.get("kind") == "no_agent")
        assert told["form"]["form"] == "callback"

    agent = Agent(open_server, "agent1")
    queue = agent.wait_for(lambda f: f["type"] == "queue" and any(
        e["conversation_id"] == citizen.conversation_id for e in f["entries"]))
    assert queue["agents_online"] >= 1
    agent.send(type="accept")
    assigned = agent.wait_type("assigned")
    assert assigned["conversation_id"] == citizen.conversation_id
    assert any(m["text"] == "我家的貓咪可不可以也領一份" for m in assigned["transcript"])

    citizen.wait_type("state", state="with_agent")
    agent.send(type="message", conversation_id=citizen.conversation_id, text="您好，寵物不在發放對象內喔。",
               kb_id="ELG-001", client_id="a1")
    assert agent.wait_type("ack")["seq"] > 0
    relayed = citizen.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "agent")
    assert relayed["text"] == "您好，寵物不在發放對象內喔。"

    citizen.send(type="message", text="了解，謝謝")  # with an agent, the bot stays silent
    assert agent.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "citizen")["text"] == "了解，謝謝"

    agent.send(type="close", conversation_id=citizen.conversation_id,
               wrapup={"category": "發放對象", "summary": "民眾詢問寵物可否領取", "case_needed": False})
    assert agent.wait_type("closed")["reason"] == "agent"
    survey = citizen.wait_for(lambda f: f.get("type") == "message" and f.get("kind") == "survey")
    assert [s["label"] for s in survey["form"]["scale"]] == ["非常滿意", "滿意", "普通", "不滿意", "非常不滿意"]
    citizen.send(type="survey", score=5)
    goodbye = citizen.wait_for(lambda f: f.get("type") == "message" and f.get("kind") == "goodbye")
    assert "謝謝您的來電" in goodbye["text"]

    conn = db(kb_project)
    row = conn.execute("select state, outcome, agent, wait_seconds, survey_score, agent_turns, bot_turns "
                       "from conversations where id=?", (citizen.conversation_id,)).fetchone()
    assert row[:3] == ("closed", "agent_resolved", "agent1") and row[3] >= 0 and row[4] == 5
    assert row[5] == 1 and row[6] >= 3
    assert conn.execute("select score from surveys where conversation_id=?", (citizen.conversation_id,)).fetchone() == (5,)
    assert conn.execute("select category from wrapups where conversation_id=?",
                        (citizen.conversation_id,)).fetchone() == ("發放對象",)
    citizen.close()
    agent.close()


def test_asking_for_a_person_by_text_queues_directly(open_server: str) -> None:
    citizen = Citizen(open_server)
    reply = citizen.say("我要轉真人客服")  # a confident ask_human: no yes/no click (issue 13)
    assert reply["kind"] == "queued"
    queued = citizen.wait_type("state", state="queued")
    assert queued["number"]  # the chat's 1999-style number, told to the citizen
    citizen.close()


def test_two_misses_in_a_row_offer_a_person(open_server: str) -> None:
    citizen = Citizen(open_server)
    citizen.say("asdfgh qwerty")
    citizen.send(type="message", text="zxcv bnm 1234")
    offer = citizen.wait_for(lambda f: f.get("type") == "message" and f.get("kind") == "handoff_offer")
    assert [b["payload"] for b in offer["buttons"]] == ["/handoff_yes", "/handoff_no"]
    citizen.close()


def test_off_hours_unknown_question_takes_a_callback(closed_server: str, kb_project: Path) -> None:
    citizen = Citizen(closed_server)
    first = citizen.say("我家的貓咪可不可以也領一份")
    assert {"title": "留言請專人回電", "payload": "/callback"} in first["buttons"]
    offer = citizen.say("/callback")
    assert offer["kind"] == "off_hours" and "08:30–18:30" in offer["text"]
    assert [f["name"] for f in offer["form"]["fields"]] == ["name", "phone", "question", "consent"]
    citizen.send(type="callback", name="王小明", phone="0912345678", question="寵物能領嗎", consent=False)
    assert citizen.wait_type("error")["code"] == "consent_required"
    citizen.send(type="callback", name="王小明", phone="0912345678", question="寵物能領嗎", consent=True)
    ack = citizen.wait_for(lambda f: f.get("type") == "ack" and "callback_id" in f)
    row = db(kb_project).execute("select conversation_id, name, phone, consent from callbacks where id=?",
                                 (ack["callback_id"],)).fetchone()
    assert row == (citizen.conversation_id, "王小明", "0912345678", 1)
    citizen.close()


def test_asking_for_a_person_off_hours_gives_hours_and_form(closed_server: str) -> None:
    citizen = Citizen(closed_server)
    reply = citizen.say("找客服")
    assert reply["kind"] == "off_hours" and reply["form"]["form"] == "callback"
    citizen.close()


def test_reconnect_mid_chat_loses_nothing(open_server: str) -> None:
    citizen = Citizen(open_server)
    citizen.say("ATM什麼時候可以領6000")
    conversation_id, token = citizen.conversation_id, citizen.token
    citizen.close()
    again = Citizen(open_server, conversation_id, token, last_seq=0)
    texts = again.message_texts()
    assert texts[0].startswith("您好") and texts[1] == "ATM什麼時候可以領6000" and "還有其他問題" in texts[2]
    assert len(texts) == 3
    resumed = Citizen(open_server, conversation_id, token, last_seq=2)  # only what was missed
    assert resumed.wait_type("message")["seq"] == 3
    again.close()
    resumed.close()


def test_resume_with_a_wrong_token_is_refused(open_server: str) -> None:
    citizen = Citizen(open_server)
    other = Client(open_server.replace("http", "ws") + "/ws/chat")
    other.send(type="hello", conversation_id=citizen.conversation_id, token="t_wrong")
    assert other.wait_type("error")["code"] == "bad_token"
    citizen.close()
    other.close()


@pytest.mark.parametrize(
    ("raw", "code"),
    [("{not json", "bad_json"), ("[1, 2]", "bad_json"), ('{"type": "launch"}', "unknown_type"),
     ('{"type": "message", "text": ""}', "bad_request"), ('{"type": "message", "text": "' + "長" * 2001 + '"}', "too_large"),
     ('{"type": "message", "text": "' + "x" * 9000 + '"}', "too_large"), (b"\x00\x01binary", "binary"),
     ('{"type": "survey", "score": 9}', "bad_score")],
)
def test_bad_frames_get_an_error_and_keep_the_connection(open_server: str, raw: str | bytes, code: str) -> None:
    citizen = Citizen(open_server)
    citizen.send_raw(raw)
    assert citizen.wait_type("error")["code"] == code
    assert citizen.say("你好")["kind"] == "greeting"  # still connected and working
    citizen.close()


def test_html_is_stored_and_echoed_as_plain_text(open_server: str, kb_project: Path) -> None:
    citizen = Citizen(open_server)
    payload = "<img src=x onerror=alert(1)>"
    citizen.send(type="message", text=payload)
    echo = citizen.wait_for(lambda f: f.get("type") == "message" and f["sender"] == "citizen")
    assert echo["text"] == payload
    stored = db(kb_project).execute("select text from messages where conversation_id=? and sender='citizen'",
                                    (citizen.conversation_id,)).fetchone()
    assert stored == (payload,)
    citizen.close()


def test_floods_are_rate_limited(open_server: str) -> None:
    citizen = Citizen(open_server)
    for _ in range(25):
        citizen.send(type="ping")
    assert citizen.wait_type("error", timeout=15)["code"] == "rate_limited"
    citizen.close()


def test_staff_endpoints_refuse_no_token_and_citizen_tokens(open_server: str) -> None:
    citizen = Citizen(open_server)
    for headers in ({}, {"Authorization": f"Bearer {citizen.token}"}, {"Authorization": "Bearer s_forged"}):
        assert httpx.get(f"{open_server}/api/kb/search", params={"q": "ATM"}, headers=headers).status_code == 401
        assert httpx.get(f"{open_server}/api/conversations/{citizen.conversation_id}",
                         headers=headers).status_code == 401
    for query in ("", f"?token={citizen.token}", "?token=s_forged"):
        socket = Client(open_server.replace("http", "ws") + "/ws/agent" + query)
        with pytest.raises(ConnectionClosed) as info:
            socket.ws.recv(timeout=5)
        assert info.value.rcvd.code == 4401
    engineer = Client(open_server.replace("http", "ws") + "/ws/agent", staff_subprotocols(login(open_server, 'engineer1')))
    with pytest.raises(ConnectionClosed) as info:
        engineer.ws.recv(timeout=5)
    assert info.value.rcvd.code == 4403
    citizen.close()


def test_kb_search_is_chinese_aware(open_server: str) -> None:
    headers = {"Authorization": f"Bearer {login(open_server, 'agent2')}"}
    results = httpx.get(f"{open_server}/api/kb/search", params={"q": "郵局领现"}, headers=headers).json()
    assert results and results[0]["id"].startswith("PST")


def test_rasa_rest_channel(open_server: str) -> None:
    body = httpx.post(f"{open_server}/webhooks/rest/webhook",
                      json={"sender": "rasa-client-1", "message": "ATM什麼時候可以領6000"}).json()
    assert body[-1]["recipient_id"] == "rasa-client-1" and "還有其他問題" in body[-1]["text"]
    unknown = httpx.post(f"{open_server}/webhooks/rest/webhook",
                         json={"sender": "rasa-client-1", "message": "qwertyuiop"}).json()
    assert any(b["payload"] == "/handoff_yes" for r in unknown for b in r.get("buttons", []))
    assert httpx.post(f"{open_server}/webhooks/rest/webhook", json={"sender": "x", "message": " "}).status_code == 422


def test_agent_disconnect_past_grace_requeues_at_front(open_server: str) -> None:
    first, second = Citizen(open_server), Citizen(open_server)
    for citizen in (first, second):
        citizen.send(type="message", text="/handoff_yes")
        citizen.wait_type("state", state="queued")
    agent = Agent(open_server, "agent2")
    taken = take(agent, {first.conversation_id, second.conversation_id})
    agent.close()  # gone longer than the 2 s grace period of this server
    stranded = first if taken == first.conversation_id else second
    stranded.wait_type("state", state="with_agent")
    stranded.wait_type("state", state="queued", timeout=15)
    back = Agent(open_server, "agent1")
    back.send(type="accept")
    assert back.wait_type("assigned")["conversation_id"] == taken  # at the front again
    first.close()
    second.close()
    back.close()


def test_kill_9_mid_chat_then_restart_keeps_the_transcript(kb_project: Path) -> None:
    port = free_port()
    env = {"HOTLINE_CLOCK": OPEN_CLOCK}
    with running_server(kb_project, port=port, env=env) as url:
        citizen = Citizen(url)
        citizen.say("ATM什麼時候可以領6000")
        citizen.send(type="message", text="/handoff_yes")
        citizen.wait_type("state", state="queued")
        citizen.send(type="message", text="等待中補充：我住台中")
        citizen.wait_type("ack")
        pid = int(httpx.get(f"{url}/health").json().get("pid"))
        os.kill(pid, signal.SIGKILL)
        conversation_id, token = citizen.conversation_id, citizen.token
    with running_server(kb_project, port=port, env=env) as url:
        again = Citizen(url, conversation_id, token, last_seq=0)
        texts = again.message_texts()
        assert "ATM什麼時候可以領6000" in texts and "等待中補充：我住台中" in texts
        agent = Agent(url, "agent1")
        assert take(agent, {conversation_id}) == conversation_id  # still queued after the crash
        again.close()
        agent.close()


def test_hot_deploy_and_rollback_keep_open_chats(tmp_path: Path, kb_project: Path) -> None:
    """Deploy a new model while a chat is open: the chat goes on, the server swaps, rollback works."""
    import shutil
    import time

    from bot import model_store

    home = tmp_path / "home"
    home.mkdir()
    for name in ("config.yml", "nlu_data"):
        (home / name).symlink_to(kb_project / name)
    copy_kb(kb_project / "var" / "chat.db", home / "var" / "chat.db")  # the KB only, no chats
    first = model_store.latest(kb_project / "models")
    shutil.copytree(first, home / "models" / first.name)
    model_store.deploy(home / "models", first.name)
    second = home / "models" / "29990101-000000-000000"
    shutil.copytree(first, second)
    with running_server(home, env={"HOTLINE_CLOCK": OPEN_CLOCK}) as url:
        assert httpx.get(f"{url}/health").json()["model"] == first.name
        citizen = Citizen(url)
        citizen.say("ATM什麼時候可以領6000")
        model_store.deploy(home / "models", second.name)
        deadline = time.monotonic() + 20
        while httpx.get(f"{url}/health").json()["model"] != second.name:
            assert time.monotonic() < deadline, "server did not swap to the deployed model"
            time.sleep(0.5)
        assert citizen.say("ATM什麼時候可以領6000")["kind"] == "answer"  # same socket, new model
        assert model_store.rollback(home / "models") == first.name
        while httpx.get(f"{url}/health").json()["model"] != first.name:
            assert time.monotonic() < deadline + 20
            time.sleep(0.5)
        assert citizen.say("郵局可以領嗎")["sender"] == "bot"
        citizen.close()
