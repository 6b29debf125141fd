"""Small synchronous websocket clients for the citizen and agent protocols (docs/protocol.md)."""
from __future__ import annotations

import json
import time
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect


def staff_subprotocols(token: str) -> list[str]:
    """How a staff token travels on /ws/agent: in the subprotocol list, never in the URL."""
    return ["hotline.v1", f"bearer.{token}"]


class Client:
    def __init__(self, url: str, subprotocols: list[str] | None = None) -> None:
        self.ws: ClientConnection = connect(url, open_timeout=10, legacy=True,
                                            subprotocols=subprotocols)  # type: ignore[arg-type]
        self.frames: list[dict[str, Any]] = []

    def send(self, **frame: Any) -> None:
        self.ws.send(json.dumps(frame, ensure_ascii=False))

    def send_raw(self, raw: str | bytes) -> None:
        self.ws.send(raw)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
        """The first frame (already received or coming) that satisfies ``predicate``."""
        for frame in self.frames:
            if predicate(frame):
                self.frames.remove(frame)
                return frame
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame; got {self.frames[-5:]}")
            frame = json.loads(self.ws.recv(timeout=remaining))
            if predicate(frame):
                return frame
            self.frames.append(frame)

    def wait_type(self, kind: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        return self.wait_for(lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items()),
                             timeout)

    def message_texts(self, quiet: float = 1.5) -> list[str]:
        """Texts of every message frame until none arrives for ``quiet`` seconds."""
        texts = []
        while True:
            try:
                texts.append(self.wait_type("message", timeout=quiet)["text"])
            except TimeoutError:
                return texts

    def close(self) -> None:
        self.ws.close()


class Citizen(Client):
    def __init__(self, base: str, conversation_id: str | None = None, token: str | None = None,
                 last_seq: int = 0) -> None:
        super().__init__(base.replace("http", "ws") + "/ws/chat")
        hello: dict[str, Any] = {"type": "hello"}
        if conversation_id:
            hello.update(conversation_id=conversation_id, token=token, last_seq=last_seq)
        self.send(**hello)
        welcome = self.wait_type("welcome")
        self.conversation_id, self.token = welcome["conversation_id"], welcome["token"]

    def say(self, text: str) -> dict[str, Any]:
        """Send a message and return the bot's (or system's) first reply after it."""
        self.send(type="message", text=text, client_id=text[:20])
        ack = self.wait_type("ack")
        return self.wait_for(lambda f: f.get("type") == "message" and f["sender"] in ("bot", "system")
                             and f["seq"] > ack["seq"])


def login(base: str, username: str, password: str = "password1") -> str:
    response = httpx.post(f"{base}/auth/login", json={"username": username, "password": password})
    response.raise_for_status()
    return str(response.json()["token"])


class Agent(Client):
    def __init__(self, base: str, username: str) -> None:
        self.token = login(base, username)
        super().__init__(base.replace("http", "ws") + "/ws/agent", staff_subprotocols(self.token))
        self.hello = self.wait_type("hello")
