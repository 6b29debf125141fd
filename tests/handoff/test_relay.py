"""The relay's channel names are built in one place (handoff/chat/relay.py), and no module reaches
into the hub's private parts."""
from __future__ import annotations

import re
from pathlib import Path

from handoff.chat.relay import AGENTS_CHANNEL, FLOOR_CHANNEL, agent_channel, conversation_channel, message_event

ROOT = Path(__file__).resolve().parent.parent.parent
CHANNEL_LITERAL = re.compile(r"""f?["'](conv|agent):""")


def test_channel_names_are_built_only_by_the_relay() -> None:
    builders = [f"{path.relative_to(ROOT)}:{number}"
                for path in sorted((ROOT / "handoff").rglob("*.py")) if path != ROOT / "handoff/chat/relay.py"
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                if CHANNEL_LITERAL.search(line)]
    assert builders == [], "build channel names with handoff/chat/relay.py"


def test_no_module_calls_the_hubs_private_parts() -> None:
    callers = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "handoff").rglob("*.py"))
               if re.search(r"\bhub\._[a-z]", path.read_text(encoding="utf-8"))]
    assert callers == []


def test_channel_names_and_events() -> None:
    assert (conversation_channel("c_1"), agent_channel("amy"), AGENTS_CHANNEL, FLOOR_CHANNEL) == (
        "conv:c_1", "agent:amy", "agents", "floor")
    message = {"seq": 3, "sender": "agent", "text": "您好", "kind": "agent", "created_at": 1.0,
               "payload": {"kb_id": "K1", "buttons": []}, "agent": "amy"}
    assert message_event(message, "c_1") == {"type": "message", "seq": 3, "sender": "agent", "text": "您好",
                                             "kind": "agent", "created_at": 1.0, "kb_id": "K1", "agent": "amy",
                                             "conversation_id": "c_1"}
