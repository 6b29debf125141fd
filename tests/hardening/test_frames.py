"""Typed frames (issue 12, item 1): every reproduction of a socket-closing frame now gets an
``error`` frame with a code, and the same connection still answers afterwards."""
from __future__ import annotations

import pytest

from tests.chat_client import Agent, Citizen
from tests.hardening.conftest import Live

HUGE = "1" + "0" * 30
NESTED = "[" * 3000 + "]" * 3000  # 6 KB of brackets

CITIZEN_FRAMES = [
    ('{"type": "message", "text": "\\ud800"}', "bad_request"),
    ('{"type": "message", "text": "hi", "client_id": "\\ud800"}', "bad_request"),
    ('{"type": "message", "text": ["hi"]}', "bad_request"),
    ('{"type": "message", "text": "a\\u0000b"}', "bad_request"),
    ('{"type": "survey", "score": 5, "comment": "\\ud800"}', "bad_request"),
    ('{"type": "survey", "score": 5, "comment": 1}', "bad_request"),
    ('{"type": "survey", "score": 5, "comment": [1]}', "bad_request"),
    ('{"type": "survey", "score": 5, "comment": {}}', "bad_request"),
    ('{"type": "survey", "score": ' + HUGE + "}", "bad_request"),
    ('{"type": "feedback", "seq": ' + HUGE + ', "helpful": true}', "bad_request"),
    ('{"type": "feedback", "seq": -1, "helpful": true}', "bad_request"),
    ('{"type": "feedback", "seq": 99999, "helpful": true}', "bad_request"),
    ('{"type": "feedback", "seq": 1, "helpful": "yes"}', "bad_request"),
    ('{"type": "callback", "name": 1, "phone": "0912345678", "question": "q", "consent": true}', "bad_request"),
    ('{"type": "callback", "name": ["x"], "phone": "0912345678", "question": "q", "consent": true}', "bad_request"),
    ('{"type": "callback", "name": "王", "phone": "0912345678", "question": "' + "長" * 2500 + '", "consent": true}',
     "too_large"),
    ('{"type": "hello"}', "bad_state"),
    ('{"type": "explode"}', "unknown_type"),
    ('{"type": 5}', "bad_json"),
    (NESTED, "bad_json"),
    ('{"type": "message", "text": ' + "[" * 2000 + "]" * 2000 + "}", "bad_json"),
]

HELLO_FRAMES = [
    ('{"type": "hello", "last_seq": ' + HUGE + "}", "bad_request"),
    ('{"type": "hello", "last_seq": true}', "bad_request"),
    ('{"type": "hello", "last_seq": -5}', "bad_request"),
    ('{"type": "hello", "conversation_id": "\\ud800", "token": "t"}', "bad_request"),
    ('{"type": "hello", "conversation_id": ["c"], "token": "t"}', "bad_request"),
    ('{"type": "hello", "conversation_id": {"a": 1}, "token": "t"}', "bad_request"),
    ('{"type": "hello", "conversation_id": ' + HUGE + ', "token": "t"}', "bad_request"),
]

AGENT_FRAMES = [
    ('{"type": "explode"}', "unknown_type"),
    ('{"type": "message", "conversation_id": "\\ud800", "text": "hi"}', "bad_request"),
    ('{"type": "message", "conversation_id": ["c"], "text": "hi"}', "bad_request"),
    ('{"type": "message", "conversation_id": ' + HUGE + ', "text": "hi"}', "bad_request"),
    ('{"type": "typing", "conversation_id": {"x": 1}}', "bad_request"),
    ('{"type": "close", "conversation_id": "c_x", "wrapup": {"summary": "\\ud800"}}', "bad_request"),
    ('{"type": "close", "conversation_id": "c_x", "wrapup": "done"}', "bad_request"),
    ('{"type": "transfer", "conversation_id": "c_x", "to": 5}', "bad_request"),
    ('{"type": "message", "conversation_id": "c_none", "text": "hi"}', "not_found"),
    (NESTED, "bad_json"),
]


@pytest.mark.parametrize(("raw", "code"), CITIZEN_FRAMES)
def test_citizen_bad_frame_is_answered_and_the_socket_kept(live: Live, raw: str, code: str) -> None:
    citizen = Citizen(live.url)
    citizen.send_raw(raw)
    assert citizen.wait_type("error")["code"] == code
    citizen.send(type="ping")
    assert citizen.wait_type("pong")
    citizen.close()


@pytest.mark.parametrize(("raw", "code"), HELLO_FRAMES)
def test_bad_hello_is_answered_and_a_good_one_still_works(live: Live, raw: str, code: str) -> None:
    from tests.chat_client import Client

    client = Client(live.ws + "/ws/chat")
    client.send_raw(raw)
    assert client.wait_type("error")["code"] == code
    client.send(type="hello")
    assert client.wait_type("welcome")["conversation_id"].startswith("c_")
    client.close()


@pytest.mark.parametrize(("raw", "code"), AGENT_FRAMES)
def test_agent_bad_frame_is_answered_and_the_socket_kept(live: Live, raw: str, code: str) -> None:
    agent = Agent(live.url, "agent2")
    agent.send_raw(raw)
    assert agent.wait_type("error")["code"] == code
    agent.send(type="ping")
    assert agent.wait_type("pong")
    agent.close()


def test_a_lone_surrogate_client_id_leaves_no_zombie_socket(live: Live) -> None:
    """Reproduction: the message was stored and the socket then never answered ``ping`` again."""
    citizen = Citizen(live.url)
    citizen.send_raw('{"type": "message", "text": "hi", "client_id": "\\ud800"}')
    assert citizen.wait_type("error")["code"] == "bad_request"
    for _ in range(3):
        citizen.send(type="ping")
        assert citizen.wait_type("pong")
    assert citizen.say("你好")["sender"] in ("bot", "system")
    citizen.close()


def test_survey_and_feedback_acks_echo_the_client_id(live: Live) -> None:
    citizen = Citizen(live.url)
    reply = citizen.say("ATM什麼時候可以領6000")
    citizen.send(type="feedback", seq=reply["seq"], helpful=True, client_id="f1")
    ack = citizen.wait_type("ack")
    assert ack["client_id"] == "f1" and ack["seq"] == reply["seq"]
    citizen.close()
