"""Which agency should handle a case (承辦機關), suggested from the knowledge base.

In order: the KB entry an agent last inserted into the chat, the KB entry the bot last answered
with, the conversation's last intent when it is a KB id — each gives that entry's agency; then the
category (the agency most KB entries of that category name); then the agency with most entries.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def agencies(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every agency the KB names, most entries first."""
    counts = Counter(str(e["agency"]) for e in entries if e.get("agency"))
    return [name for name, _ in counts.most_common()]


def by_category(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """category → the agency most of its entries name (ties: alphabetical, for stable output)."""
    counts: dict[str, Counter[str]] = {}
    for entry in entries:
        if entry.get("category") and entry.get("agency"):
            counts.setdefault(entry["category"], Counter())[entry["agency"]] += 1
    return {category: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for category, c in counts.items()}


def suggest(entries: Mapping[str, Mapping[str, Any]], kb_ids: Sequence[str], category: str | None) -> str | None:
    """The suggested agency. ``entries`` are the approved KB entries by id; ``kb_ids`` the KB ids
    seen in the conversation, most telling first."""
    for kb_id in kb_ids:
        entry = entries.get(kb_id)
        if entry and entry.get("agency"):
            return str(entry["agency"])
    if category:
        table = by_category(entries.values())
        if category in table:
            return table[category]
    ranked = agencies(entries.values())
    return ranked[0] if ranked else None


def conversation_kb_ids(messages: Sequence[Mapping[str, Any]], last_intent: str | None) -> list[str]:
    """KB ids of a conversation, most telling first: agent-inserted answers (newest first), then
    the bot's answers (newest first), then the last intent."""
    agent_ids = [m["payload"]["kb_id"] for m in reversed(messages)
                 if m.get("sender") == "agent" and (m.get("payload") or {}).get("kb_id")]
    bot_ids = [m["payload"]["intent"] for m in reversed(messages)
               if m.get("sender") == "bot" and (m.get("payload") or {}).get("intent")]
    return [*agent_ids, *bot_ids, *([last_intent] if last_intent else [])]
