"""Hypothesis websocket frame fuzz against the live server (issue 12, item 6): valid shapes with
hostile values, and garbage, on /ws/chat and /ws/agent. Every frame is answered in order (a
``ping`` after each one must get its ``pong``), no socket closes (least of all without a close
frame), the server log gains no traceback, and a normal question is still answered afterwards.
Bounded: ``EXAMPLES`` frames per socket kind."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.chat_client import Agent, Citizen, Client
from tests.hardening.conftest import Live, traceback_lines

EXAMPLES = 300
PER_SOCKET = 8  # fuzz frames per connection (each followed by a ping): under the rate limit

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\ud800", "\udfff", "a\ud800b", "\x00", "\u202e", "長" * 2100, "x" * 5000, "", " ", "/",
                     "/handoff_yes", "/REG-001", "<script>alert(1)</script>", "A123456789", "0912345678"]),
)
HOSTILE_INT = st.one_of(st.integers(-5, 100), st.sampled_from([10**30, -(10**30), 2**63, 2**31, -1, 0]))
SCALAR = st.one_of(st.none(), st.booleans(), HOSTILE_INT, st.floats(allow_nan=False), HOSTILE_TEXT)
JSONISH = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                            max_size=3), max_leaves=8)
VALUE = st.one_of(SCALAR, JSONISH)

CITIZEN_FIELDS = {"hello": ["conversation_id", "token", "last_seq"], "message": ["text", "client_id"],
                  "callback": ["name", "phone", "question", "consent", "client_id"],
                  "survey": ["score", "comment", "client_id"], "feedback": ["seq", "helpful", "client_id"],
                  "leave": ["client_id"], "typing": [], "ping": [], "explode": ["x"]}
AGENT_FIELDS = {"accept": [], "message": ["conversation_id", "text", "client_id", "kb_id"],
                "transfer": ["conversation_id", "to"], "close": ["conversation_id", "wrapup"],
                "status": ["state", "reason"], "typing": ["conversation_id"], "ping": [], "explode": ["x"]}


def shaped(fields: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """A frame of a known type whose fields hold hostile values (sent with JSON escapes)."""
    def build(kind: str) -> st.SearchStrategy[str]:
        return st.fixed_dictionaries({}, optional={name: VALUE for name in fields[kind]}).map(
            lambda body: json.dumps({"type": kind, **body}))
    return st.sampled_from(sorted(fields)).flatmap(build)


GARBAGE = st.one_of(
    st.text(max_size=200),
    JSONISH.map(json.dumps),
    st.integers(1, 4000).map(lambda n: "[" * n + "]" * n),
    st.sampled_from(['{"type": 5}', '{"type": null}', "{}", "[]", "null", '"hello"', "{not json", '{"type": "x"' * 50]),
)


class Pool:
    """Sockets of one kind, each replaced after ``PER_SOCKET`` frames (and checked first)."""

    def __init__(self, make: Any) -> None:
        self.make, self.socket, self.used = make, None, 0
        self.codes: Counter[str] = Counter()
        self.frames = 0

    def send(self, raw: str) -> None:
        if self.socket is None or self.used >= PER_SOCKET:
            self.retire()
            self.socket, self.used = self.make(), 0
        socket: Client = self.socket
        socket.send_raw(raw)
        socket.send(type="ping")
        self.used += 1
        self.frames += 1
        while True:  # everything the frame caused, then the pong: the frame was handled, the socket lives
            frame = socket.wait_for(lambda f: True, timeout=20)
            if frame.get("type") == "pong":
                return
            if frame.get("type") == "error":
                self.codes[frame["code"]] += 1

    def retire(self) -> None:
        if self.socket is not None:
            self.socket.close()  # raises if the server had closed it


def test_websocket_frame_fuzz(live: Live) -> None:
    start = len(live.log)
    citizens = Pool(lambda: Citizen(live.url))
    agents = Pool(lambda: Agent(live.url, "agent2"))
    fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))

    @fuzz
    @given(st.one_of(shaped(CITIZEN_FIELDS), shaped(CITIZEN_FIELDS), GARBAGE))
    def citizen_frames(raw: str) -> None:
        citizens.send(raw)

    @fuzz
    @given(st.one_of(shaped(AGENT_FIELDS), shaped(AGENT_FIELDS), GARBAGE))
    def agent_frames(raw: str) -> None:
        agents.send(raw)

    citizen_frames()
    agent_frames()
    citizens.retire()
    agents.retire()
    print(f"\nws fuzz: {citizens.frames} citizen frames, errors {dict(citizens.codes)}; "
          f"{agents.frames} agent frames, errors {dict(agents.codes)}")
    assert citizens.frames >= EXAMPLES and agents.frames >= EXAMPLES
    assert traceback_lines(live.log[start:]) == []
    after = Citizen(live.url)
    reply = after.say("ATM什麼時候可以領6000")
    assert reply["sender"] == "bot" and reply["text"]
    after.close()


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(shaped({"hello": CITIZEN_FIELDS["hello"]}), GARBAGE))
def test_bad_first_frames_still_allow_a_hello(live: Live, raw: str) -> None:
    client = Client(live.ws + "/ws/chat")
    client.send_raw(raw)
    client.send(type="hello")
    assert client.wait_type("welcome", timeout=20)["conversation_id"].startswith("c_")
    client.close()
