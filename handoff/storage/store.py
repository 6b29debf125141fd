"""The conversation store: every read and write the server makes, as named operations.

``ConversationStore`` is the interface the server depends on; ``SQLConversationStore`` implements
it on SQLAlchemy Core for SQLite (the embedded default) and PostgreSQL alike.
"""
from __future__ import annotations

import json
from typing import Any, Protocol

from sqlalchemy import Connection, Update, bindparam, func, insert, select, update

from bot.hours import timestamp
from handoff.numbers import next_number
from handoff.session import SessionState, check_transition
from handoff.storage.database import Database
from handoff.storage.schema import (
    agency_members,
    auth_tokens,
    callbacks,
    conversations,
    feedback,
    messages,
    surveys,
    turns,
    users,
    wrapups,
)


class ConversationStore(Protocol):
    async def create_conversation(self, conversation_id: str, token_hash: str, channel: str) -> dict[str, Any]: ...
    async def open_conversation(self, conversation_id: str, token_hash: str, channel: str,
                                greeting: list[tuple[str, str, dict[str, Any]]]
                                ) -> tuple[dict[str, Any], list[dict[str, Any]]]: ...
    async def get_conversation(self, conversation_id: str) -> dict[str, Any] | None: ...
    async def update_conversation(self, conversation_id: str, **values: Any) -> None: ...
    async def change_state(self, conversation_id: str, current: str, target: str, **values: Any) -> None: ...
    async def add_message(self, conversation_id: str, sender: str, text: str, kind: str | None = None,
                          payload: dict[str, Any] | None = None, agent: str | None = None,
                          counters: dict[str, int] | None = None) -> dict[str, Any]: ...
    async def messages_since(self, conversation_id: str, after_seq: int = 0) -> list[dict[str, Any]]: ...
    async def conversations_in_states(self, states: list[str]) -> list[dict[str, Any]]: ...


def _row(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def _message(row: Any) -> dict[str, Any]:
    message = _row(row)
    message["payload"] = json.loads(message["payload"]) if message.get("payload") else {}
    return message


# The statements of every relayed message, built once: building a SQLAlchemy statement leaves
# reference cycles (bind parameters ↔ comparators) for the collector, and with 10,000 open chats
# each collection is a pause of the event loop (handoff/gc_tuning.py, README "Connections per box").
_GET_CONVERSATION = select(conversations).where(conversations.c.id == bindparam("cid"))
_NEXT_SEQ = select(func.coalesce(func.max(messages.c.seq), 0) + 1).where(messages.c.conversation_id == bindparam("cid"))
_INSERT_MESSAGE = insert(messages)
_TOUCH: dict[tuple[str, ...], Update] = {}


def _touch(counters: dict[str, int]) -> Update:
    """``updated_at`` and the given counters bumped, one cached statement per set of counters."""
    key = tuple(sorted(counters))
    if key not in _TOUCH:
        _TOUCH[key] = update(conversations).where(conversations.c.id == bindparam("cid")).values(
            updated_at=bindparam("now"), **{k: getattr(conversations.c, k) + bindparam(f"add_{k}") for k in key})
    return _TOUCH[key]


def _lock_conversation(c: Connection, conversation_id: str) -> None:
    """Serialise writers of one conversation (PostgreSQL row lock), so two processes never take the
    same next sequence number. SQLite has one writer per database anyway: no statement there."""
    if c.dialect.name != "sqlite":
        c.execute(select(conversations.c.id).where(conversations.c.id == conversation_id).with_for_update())


def _insert_bot_rows(c: Connection, conversation_id: str, seq: int, rows: list[tuple[str, str, dict[str, Any]]],
                     now: float) -> list[dict[str, Any]]:
    """Insert the bot's messages after sequence number ``seq``; returns them as stored."""
    stored = [{"conversation_id": conversation_id, "seq": seq + offset, "sender": "bot", "text": text, "kind": kind,
               "payload": payload, "agent": None, "created_at": now}
              for offset, (text, kind, payload) in enumerate(rows, start=1)]
    if stored:
        c.execute(insert(messages), [{**r, "payload": json.dumps(r["payload"], ensure_ascii=False)
                                      if r["payload"] else None} for r in stored])
    return stored


class SQLConversationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # conversations ------------------------------------------------------------------------
    async def create_conversation(self, conversation_id: str, token_hash: str, channel: str) -> dict[str, Any]:
        values, _ = await self.open_conversation(conversation_id, token_hash, channel, [])
        return values

    async def open_conversation(self, conversation_id: str, token_hash: str, channel: str,
                                greeting: list[tuple[str, str, dict[str, Any]]]
                                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A new conversation and the bot's first messages (text, kind, payload), one transaction:
        one commit per new chat, which is what bounds how fast a box takes new citizens."""
        now = timestamp()
        values = {"id": conversation_id, "token_hash": token_hash, "state": SessionState.BOT.value, "channel": channel,
                  "created_at": now, "updated_at": now, "dialogue": "{}", "front_of_queue": False,
                  "citizen_turns": 0, "bot_turns": len(greeting), "agent_turns": 0, "answered_turns": 0}

        def write(c: Connection) -> list[dict[str, Any]]:
            c.execute(insert(conversations).values(values))
            return _insert_bot_rows(c, conversation_id, 0, greeting, now)

        return values, await self.db.write(write)

    async def get_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        row = await self.db.read(lambda c: c.execute(_GET_CONVERSATION, {"cid": conversation_id}).first())
        return _row(row) if row else None

    async def update_conversation(self, conversation_id: str, **values: Any) -> None:
        """Any column but ``state``, which changes only through ``change_state``."""
        if "state" in values:
            raise ValueError("a conversation's state changes through change_state (the state machine)")
        values["updated_at"] = timestamp()
        await self.db.write(lambda c: c.execute(
            update(conversations).where(conversations.c.id == conversation_id).values(values)))

    async def change_state(self, conversation_id: str, current: str, target: str, **values: Any) -> None:
        """The one write of a conversation's state: ``current → target`` checked by the state machine
        (IllegalTransition), with other columns that change along (``closed_at``, ``outcome``…)."""
        values["state"] = check_transition(current, target)
        values["updated_at"] = timestamp()
        await self.db.write(lambda c: c.execute(
            update(conversations).where(conversations.c.id == conversation_id).values(values)))

    async def conversations_in_states(self, states: list[str]) -> list[dict[str, Any]]:
        def q(c: Connection) -> list[Any]:
            return list(c.execute(select(conversations).where(conversations.c.state.in_(states))
                                  .order_by(conversations.c.queued_at.asc().nulls_first())))

        return [_row(r) for r in await self.db.read(q)]

    async def claim(self, conversation_id: str, agent: str) -> dict[str, Any] | None:
        """Assign a queued chat to ``agent`` if it is still queued (checked under a row lock), so one
        chat never goes to two agents even when two processes pop it. Returns the updated row."""
        now = timestamp()

        def write(c: Connection) -> dict[str, Any] | None:
            row = c.execute(select(conversations).where(conversations.c.id == conversation_id)
                            .with_for_update()).first()
            if row is None or row.state != SessionState.QUEUED:
                return None
            state = check_transition(row.state, SessionState.WITH_AGENT).value
            values: dict[str, Any] = {"state": state, "agent": agent, "front_of_queue": False, "updated_at": now}
            if not row.assigned_at:
                values["assigned_at"] = now
                values["wait_seconds"] = round(now - (row.queued_at or now), 3)
            c.execute(update(conversations).where(conversations.c.id == conversation_id).values(values))
            return {**_row(row), **values}

        return await self.db.write(write)

    async def agent_chats(self, agent: str) -> list[str]:
        """The chats assigned to ``agent`` now (the database is the record, whatever process asks)."""
        return [r[0] for r in await self.db.read(lambda c: list(c.execute(
            select(conversations.c.id).where(conversations.c.agent == agent, conversations.c.state == "with_agent")
            .order_by(conversations.c.assigned_at))))]

    # messages -----------------------------------------------------------------------------
    async def add_message(self, conversation_id: str, sender: str, text: str, kind: str | None = None,
                          payload: dict[str, Any] | None = None, agent: str | None = None,
                          counters: dict[str, int] | None = None) -> dict[str, Any]:
        """Store one message under the next sequence number, in one committed transaction."""
        now = timestamp()

        def write(c: Connection) -> dict[str, Any]:
            _lock_conversation(c, conversation_id)
            seq = int(c.execute(_NEXT_SEQ, {"cid": conversation_id}).scalar_one())
            row = {"conversation_id": conversation_id, "seq": seq, "sender": sender, "text": text, "kind": kind,
                   "payload": json.dumps(payload, ensure_ascii=False) if payload else None, "agent": agent,
                   "created_at": now}
            c.execute(_INSERT_MESSAGE, row)
            bumps = counters or {}
            c.execute(_touch(bumps), {"cid": conversation_id, "now": now, **{f"add_{k}": v for k, v in bumps.items()}})
            return {**row, "payload": payload or {}}

        return await self.db.write(write)

    async def add_bot_messages(self, conversation_id: str, rows: list[tuple[str, str, dict[str, Any]]],
                               counters: dict[str, int], updates: dict[str, Any]) -> list[dict[str, Any]]:
        """Several bot messages (text, kind, payload) and conversation updates, one transaction."""
        now = timestamp()

        def write(c: Connection) -> list[dict[str, Any]]:
            _lock_conversation(c, conversation_id)
            seq = c.execute(select(func.coalesce(func.max(messages.c.seq), 0))
                            .where(messages.c.conversation_id == conversation_id)).scalar_one()
            stored = _insert_bot_rows(c, conversation_id, seq, rows, now)
            bumps = {k: getattr(conversations.c, k) + v for k, v in counters.items()}
            c.execute(update(conversations).where(conversations.c.id == conversation_id)
                      .values(updated_at=now, **bumps, **updates))
            return stored

        return await self.db.write(write)

    async def messages_since(self, conversation_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
        def q(c: Connection) -> list[Any]:
            return list(c.execute(select(messages).where(messages.c.conversation_id == conversation_id,
                                                         messages.c.seq > after_seq).order_by(messages.c.seq)))

        return [_message(r) for r in await self.db.read(q)]

    async def assign_number(self, conversation_id: str) -> str:
        """The chat's 1999-style number, given once (handoff/numbers.py)."""
        def write(c: Connection) -> str:
            _lock_conversation(c, conversation_id)
            number = c.execute(select(conversations.c.number).where(conversations.c.id == conversation_id)).scalar()
            if not number:
                number = next_number(c, timestamp())
                c.execute(update(conversations).where(conversations.c.id == conversation_id).values(number=number))
            return str(number)

        return await self.db.write(write)

    async def first_reply(self, conversation_id: str, at: float) -> None:
        """When the agent first wrote (answer speed = this − queued_at; agent first reply = − assigned_at)."""
        await self.db.write(lambda c: c.execute(update(conversations).where(
            conversations.c.id == conversation_id, conversations.c.first_reply_at.is_(None)).values(first_reply_at=at)))

    async def last_question(self, conversation_id: str) -> str | None:
        """The citizen's last real question (masked, from the miss log): not chit-chat, not 轉真人."""
        return await self.db.read(lambda c: c.execute(
            select(turns.c.text_masked).where(turns.c.conversation_id == conversation_id, turns.c.question,
                                              func.coalesce(turns.c.intent, "") != "ask_human")
            .order_by(turns.c.citizen_seq.desc()).limit(1)).scalar())

    # records ------------------------------------------------------------------------------
    async def add_callback(self, conversation_id: str, name: str, phone: str, question: str,
                           due_at: float | None = None) -> int:
        """A callback request with its 1999-style number; returns its id."""
        now = timestamp()

        def write(c: Connection) -> int:
            values = {"conversation_id": conversation_id, "name": name, "phone": phone, "question": question,
                      "consent": True, "status": "open", "created_at": now, "number": next_number(c, now),
                      "due_at": due_at if due_at is not None else now}
            key = c.execute(insert(callbacks).values(values)).inserted_primary_key
            assert key is not None  # an INSERT has one
            return int(key[0])

        return await self.db.write(write)

    async def callbacks_for(self, conversation_id: str) -> list[dict[str, Any]]:
        return [_row(r) for r in await self.db.read(lambda c: list(c.execute(
            select(callbacks).where(callbacks.c.conversation_id == conversation_id))))]

    async def add_survey(self, conversation_id: str, score: int, comment: str | None) -> bool:
        """False when this conversation already has a survey (answered once only)."""
        def write(c: Connection) -> bool:
            _lock_conversation(c, conversation_id)  # two processes answering at once: one wins, cleanly
            if c.execute(select(surveys.c.score).where(surveys.c.conversation_id == conversation_id)).first():
                return False
            c.execute(insert(surveys).values(conversation_id=conversation_id, score=score, comment=comment,
                                             created_at=timestamp()))
            c.execute(update(conversations).where(conversations.c.id == conversation_id).values(survey_score=score))
            return True

        return await self.db.write(write)

    async def add_wrapup(self, conversation_id: str, agent: str, category: str | None, summary: str | None,
                         case_needed: bool, **table1: Any) -> None:
        """The agent's wrap-up; ``table1``: citizen_name, citizen_phone, answer, faq_needed (表1)."""
        values = {"conversation_id": conversation_id, "agent": agent, "category": category, "summary": summary,
                  "case_needed": case_needed, "created_at": timestamp(), **table1}
        await self.db.write(lambda c: c.execute(insert(wrapups).values(values)))

    async def add_feedback(self, conversation_id: str, seq: int, helpful: bool) -> None:
        def write(c: Connection) -> None:
            c.execute(feedback.delete().where(feedback.c.conversation_id == conversation_id, feedback.c.seq == seq))
            c.execute(insert(feedback).values(conversation_id=conversation_id, seq=seq, helpful=helpful,
                                              created_at=timestamp()))

        await self.db.write(write)

    # users and tokens ---------------------------------------------------------------------
    async def add_user(self, username: str, password_hash: str, role: str, display_name: str | None,
                       capacity: int, agency: str | None = None, email: str | None = None) -> None:
        values = {"username": username, "password_hash": password_hash, "role": role,
                  "display_name": display_name or username, "capacity": capacity, "created_at": timestamp(),
                  "email": email}

        def write(c: Connection) -> None:
            c.execute(insert(users).values(values))
            if agency:
                c.execute(insert(agency_members).values(username=username, agency=agency))

        await self.db.write(write)

    async def agency_of(self, username: str) -> str | None:
        """The agency an agency-role user acts for."""
        return await self.db.read(lambda c: c.execute(
            select(agency_members.c.agency).where(agency_members.c.username == username)).scalar())

    async def get_user(self, username: str) -> dict[str, Any] | None:
        row = await self.db.read(lambda c: c.execute(select(users).where(users.c.username == username)).first())
        return _row(row) if row else None

    async def add_token(self, token_hash: str, username: str, ttl_seconds: float) -> None:
        now = timestamp()
        await self.db.write(lambda c: c.execute(insert(auth_tokens).values(
            token_hash=token_hash, username=username, created_at=now, expires_at=now + ttl_seconds)))

    async def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        def q(c: Connection) -> Any:
            return c.execute(select(users).join(auth_tokens, auth_tokens.c.username == users.c.username)
                             .where(auth_tokens.c.token_hash == token_hash,
                                    auth_tokens.c.expires_at > timestamp())).first()

        row = await self.db.read(q)
        return _row(row) if row else None
