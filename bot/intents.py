"""Intents that are conversation, not knowledge: everything else is a KB id (an FAQ intent)."""
from __future__ import annotations

GREET = "greet"
THANKS = "thanks"
GOODBYE = "goodbye"
ASK_HUMAN = "ask_human"
AFFIRM = "affirm"
DENY = "deny"
OUT_OF_SCOPE = "out_of_scope"

CONVERSATION_INTENTS = frozenset({GREET, THANKS, GOODBYE, ASK_HUMAN, AFFIRM, DENY, OUT_OF_SCOPE})
CHITCHAT_INTENTS = frozenset({GREET, THANKS, GOODBYE, AFFIRM, DENY})
BUTTON_INTENTS = frozenset({"handoff_yes", "handoff_no", "callback"})
"""Payloads of the dialogue's own buttons (``/handoff_yes``…): never a KB id, never a label."""


def is_faq(intent: str | None) -> bool:
    """True for a knowledge-base intent (named by its KB id)."""
    return (bool(intent) and intent not in CONVERSATION_INTENTS and intent not in BUTTON_INTENTS
            and intent != "nlu_fallback" and not str(intent).startswith("/"))
