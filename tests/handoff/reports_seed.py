"""A month of chat-database rows (October 2023, Asia/Taipei) for the report and quality tests.

Every row is written directly, with literal times, so each figure of the report can be computed by
hand in the tests. The month boundary is tested from both sides and in both directions of the
8-hour offset: rows at 2023-09-30 23:59 and 2023-11-01 00:10 Taipei are outside October even though
the second one is still 31 October in UTC, and rows at 2023-10-01 00:01 Taipei (30 September in UTC)
are inside.

Chats (conversations with citizen_turns ≥ 1) created in October:

    id   created (Taipei)  queue  wait s  agent   outcome         answered  survey
    c01  10-01 00:01       -      -       -       (open, bot)     1         -
    c02  10-02 09:00       -      -       -       bot_resolved    2         5
    c03  10-02 10:00       -      -       -       (open, bot)     0         -
    c04  10-03 10:00       yes    5       agent1  agent_resolved  1         4
    c05  10-03 11:00       yes    7       agent1  agent_resolved  0         2
    c06  10-04 10:00       yes    7.5     agent2  agent_resolved  0         -
    c07  10-05 10:00       yes    15      agent2  agent_resolved  0         5
    c08  10-06 10:00       yes    31      agent1  agent_resolved  0         3
    c09  10-07 10:00       yes    45      agent1  abandoned       0         -
    c10  10-08 10:00       yes    -       -       abandoned       0         -
    c11  10-31 23:30       -      -       -       (open, bot)     1         -
Not chats of October: c12 (10-10, no citizen message), x1 (09-30 23:59, survey 1),
x2 (11-01 00:10 Taipei = 10-31 16:10 UTC, agent1, agent_resolved, survey 1, reviewed).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select

from handoff.storage.schema import (callbacks, cases, conversations, messages, quality_reviews, surveys, turns,
                                    wrapups)

TAIPEI = ZoneInfo("Asia/Taipei")
MONTH = "2023-10"
NOW = "2023-11-01T12:00:00+08:00"  # "now" for the case deadlines


def t(local: str) -> float:
    """Epoch seconds of a Taipei wall-clock time ``YYYY-MM-DD HH:MM[:SS]``."""
    fmt = "%Y-%m-%d %H:%M:%S" if local.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(local, fmt).replace(tzinfo=TAIPEI).timestamp()


def now() -> float:
    return datetime.fromisoformat(NOW).timestamp()


def _chat(conn: Connection, cid: str, created: str, *, citizen_turns: int = 2, answered: int = 0,
          wait: float | None = None, queued: bool = False, agent: str | None = None, outcome: str | None = None,
          survey: int | None = None) -> None:
    at = t(created)
    queued_at = at + 60 if queued or wait is not None else None
    assigned_at = queued_at + wait if wait is not None and queued_at is not None else None
    closed = outcome is not None
    closed_at = (assigned_at or queued_at or at) + 300 if closed else None
    conn.execute(insert(conversations).values(
        id=cid, token_hash="x" * 64, state="closed" if closed else "bot", channel="websocket", created_at=at,
        updated_at=closed_at or at, queued_at=queued_at, front_of_queue=False, assigned_at=assigned_at,
        closed_at=closed_at, agent=agent, outcome=outcome, dialogue="{}", citizen_turns=citizen_turns,
        bot_turns=citizen_turns + 1, agent_turns=3 if agent else 0, answered_turns=answered, wait_seconds=wait,
        survey_score=survey))
    seq = 1
    conn.execute(insert(messages).values(conversation_id=cid, seq=seq, sender="bot", created_at=at, kind="greeting",
                                         text="您好，這裡是全民共享普發現金智能客服，很高興為您服務。"))
    if citizen_turns:
        seq += 1
        conn.execute(insert(messages).values(conversation_id=cid, seq=seq, sender="citizen", created_at=at + 5,
                                             text="ATM 什麼時候可以領？"))
    if agent:
        seq += 1
        conn.execute(insert(messages).values(conversation_id=cid, seq=seq, sender="system", created_at=assigned_at,
                                             text=f"客服人員 {agent} 已加入對話，很高興為您服務。", kind="agent"))
        for offset, (text, payload) in enumerate(AGENT_LINES.get(cid, [("好的，我幫您查詢。", None)]), start=1):
            seq += 1
            conn.execute(insert(messages).values(conversation_id=cid, seq=seq, sender="agent", agent=agent,
                                                 created_at=(assigned_at or at) + 10 * offset, text=text, kind="agent",
                                                 payload=payload))
    if outcome == "agent_resolved":
        conn.execute(insert(wrapups).values(conversation_id=cid, agent=agent, category="領取方式",
                                            summary="詢問 ATM 領取時間", case_needed=False, created_at=closed_at))
    if survey is not None:
        conn.execute(insert(surveys).values(conversation_id=cid, score=survey, created_at=(closed_at or at) + 30,
                                            comment=COMMENTS.get(cid)))


COMMENTS = {"c04": "回答很清楚，謝謝", "c05": "等太久了"}
"""The chat survey's 回饋意見 of two chats."""


AGENT_LINES: dict[str, list[tuple[str, str | None]]] = {
    # every checklist item said, and a KB answer inserted
    "c04": [("您好，我是客服人員，很高興為您服務。", None),
            ("請問您是要詢問 ATM 領取的時間嗎？", None),
            ("2023年4月10日起可至ATM領取。", '{"kb_id": "ATM-001"}'),
            ("還有其他問題需要為您服務嗎？", None),
            ("謝謝您的來電，再見。", None)],
    # greeting and thanks only, an answer typed by hand
    "c05": [("您好！", None), ("可以到郵局領。", None), ("謝謝。", None)],
    # nothing of the checklist
    "c08": [("ATM 四月十號開始。", None), ("掰掰", None)],
}


def _turn(conn: Connection, cid: str, created: str, *, question: bool = True, answered: bool = False,
          miss: bool = False, intent: str | None = "REG-001", suggested: str | None = None,
          label: str | None = None, text: str = "我要怎麼領", fallback: str | None = "low_confidence") -> None:
    conn.execute(insert(turns).values(
        conversation_id=cid, citizen_seq=2, reply_seq=3, text_masked=text, intent=intent, confidence=0.5,
        ranking="[]", fallback_reason=None if answered else fallback, question=question,
        answered=answered, miss=miss, miss_reason="low_confidence" if miss else None, suggested_label=suggested,
        label=label, status="labelled" if label else "open", model_version="v1", created_at=t(created)))


def _case(conn: Connection, number: str, agency: str, *, received: str, accepted: str | None = None,
          urgent: bool = False, replied: str | None = None, closed: str | None = None, reminders: int = 0,
          escalated: bool = False, due: bool = True) -> None:
    """``due=False`` leaves reply_due_at/resolve_due_at empty (the report derives them)."""
    accepted_at = t(accepted) if accepted else None
    reply_due = accepted_at + 24 * 3600 if accepted_at and due else None
    resolve_due = accepted_at + (3 if urgent else 7) * 86400 if accepted_at and due else None
    status = "closed" if closed else "replied" if replied else "accepted" if accepted else "draft"
    conn.execute(insert(cases).values(
        number=number, status=status, urgency="urgent" if urgent else "normal", receiver="agent1",
        received_at=t(received), citizen_name="王小明", citizen_contact="0912000000", consent=True,
        summary="人事時地物", agency=agency, accepted_at=accepted_at, reply_due_at=reply_due,
        resolve_due_at=resolve_due, replied_at=t(replied) if replied else None, closed_at=t(closed) if closed else None,
        general_answer=False, reminders=reminders, escalated_at=accepted_at + 3 * 86400 if escalated else None,
        created_at=t(received), updated_at=t(received)))


def _review(conn: Connection, cid: str, agent: str, score: int, **items: bool) -> None:
    values: dict[str, Any] = {k: items.get(k, False) for k in
                              ("greeting", "confirmed_need", "anything_else", "thanks", "correct_answer")}
    conn.execute(insert(quality_reviews).values(conversation_id=cid, agent=agent, reviewer="boss", score=score,
                                                created_at=t("2023-11-02 10:00"), **values))


def seed_month(conn: Connection, reviews: bool = True) -> None:
    """The rows described in the module docstring."""
    _chat(conn, "c01", "2023-10-01 00:01", answered=1)
    _chat(conn, "c02", "2023-10-02 09:00", answered=2, outcome="bot_resolved", survey=5)
    _chat(conn, "c03", "2023-10-02 10:00", citizen_turns=1)
    _chat(conn, "c04", "2023-10-03 10:00", answered=1, wait=5, agent="agent1", outcome="agent_resolved", survey=4)
    _chat(conn, "c05", "2023-10-03 11:00", wait=7, agent="agent1", outcome="agent_resolved", survey=2)
    _chat(conn, "c06", "2023-10-04 10:00", wait=7.5, agent="agent2", outcome="agent_resolved")
    _chat(conn, "c07", "2023-10-05 10:00", wait=15, agent="agent2", outcome="agent_resolved", survey=5)
    _chat(conn, "c08", "2023-10-06 10:00", wait=31, agent="agent1", outcome="agent_resolved", survey=3)
    _chat(conn, "c09", "2023-10-07 10:00", wait=45, agent="agent1", outcome="abandoned")
    _chat(conn, "c10", "2023-10-08 10:00", queued=True, outcome="abandoned")
    _chat(conn, "c11", "2023-10-31 23:30", answered=1)
    _chat(conn, "c12", "2023-10-10 10:00", citizen_turns=0)
    _chat(conn, "x1", "2023-09-30 23:59", answered=1, outcome="bot_resolved", survey=1)
    _chat(conn, "x2", "2023-11-01 00:10", wait=3, agent="agent1", outcome="agent_resolved", survey=1)

    # the miss log: 10 October question turns, 5 answered; misses on ATM-001 ×2, REG-001 ×2, unknown ×1
    _turn(conn, "c01", "2023-10-01 00:01:30", answered=True)
    _turn(conn, "c02", "2023-10-02 09:01", answered=True)
    _turn(conn, "c02", "2023-10-02 09:02", answered=True)
    _turn(conn, "c02", "2023-10-02 09:03", question=False, intent="greet", text="你好")
    _turn(conn, "c03", "2023-10-02 10:01", miss=True, text="登記網站打不開")
    _turn(conn, "c04", "2023-10-03 10:00:10", answered=True)
    _turn(conn, "c04", "2023-10-03 10:00:40", miss=True, intent="out_of_scope", suggested="ATM-001", text="領錢時間")
    _turn(conn, "c05", "2023-10-03 11:00:10", miss=True, label="ATM-001", text="提款機幾點")
    _turn(conn, "c06", "2023-10-04 10:00:10", miss=True, intent=None, text="？？")
    # a typed request for a person: not a question, not a miss, counted apart (person_requests)
    _turn(conn, "c06", "2023-10-04 10:00:20", question=False, intent="ask_human", fallback=None, text="我要找真人")
    _turn(conn, "c10", "2023-10-08 10:00:10", miss=True, text="我的錢呢")
    _turn(conn, "c11", "2023-10-31 23:45", answered=True)
    _turn(conn, "x1", "2023-09-30 23:59:30", answered=True)
    _turn(conn, "x2", "2023-11-01 00:10:30", miss=True, text="十一月的問題")

    conn.execute(insert(callbacks).values(conversation_id="c10", name="王小明", phone="0912000000", question="回電",
                                          consent=True, status="open", created_at=t("2023-10-08 23:00")))
    conn.execute(insert(callbacks).values(conversation_id="c03", name="李小華", phone="0922000000", question="回電",
                                          consent=True, status="done", created_at=t("2023-10-15 09:00")))
    conn.execute(insert(callbacks).values(conversation_id="x1", name="陳大同", phone="0933000000", question="回電",
                                          consent=True, status="open", created_at=t("2023-09-30 23:30")))

    fin, moi = "財政部", "內政部"
    _case(conn, "1121002-0001", fin, received="2023-10-02 08:00", accepted="2023-10-02 10:00",
          replied="2023-10-02 18:00", closed="2023-10-05 10:00")
    _case(conn, "1121010-0001", fin, received="2023-10-10 08:00", accepted="2023-10-10 10:00",
          replied="2023-10-11 12:00", closed="2023-10-20 10:00", reminders=2, escalated=True)
    _case(conn, "1121031-0001", fin, received="2023-10-31 18:00", accepted="2023-10-31 20:00", urgent=True)
    _case(conn, "1121025-0001", fin, received="2023-10-25 08:00", accepted="2023-10-25 09:00", reminders=2,
          escalated=True)
    _case(conn, "1121015-0001", moi, received="2023-10-15 08:00", accepted="2023-10-15 09:00",
          replied="2023-10-15 20:00", closed="2023-10-16 09:00", due=False)
    _case(conn, "1121020-0001", moi, received="2023-10-20 08:00", accepted="2023-10-20 09:00",
          replied="2023-10-21 08:00")
    _case(conn, "1121031-0002", moi, received="2023-10-31 23:30", accepted="2023-11-01 00:30",
          replied="2023-11-01 08:00")
    _case(conn, "1121030-0001", moi, received="2023-10-30 12:00")
    _case(conn, "1120930-0001", moi, received="2023-09-30 10:00", accepted="2023-09-30 23:00",
          replied="2023-10-02 09:00")

    if reviews:
        _review(conn, "c04", "agent1", 100, greeting=True, confirmed_need=True, anything_else=True, thanks=True,
                correct_answer=True)
        _review(conn, "c05", "agent1", 40, greeting=True, thanks=True)
        _review(conn, "c06", "agent2", 80, greeting=True, confirmed_need=True, anything_else=True, thanks=True)
        _review(conn, "x2", "agent1", 0)


def seeded_server_db(home: Path, name: str, reviews: bool = True) -> Path:
    """A fresh chat database beside ``<home>/var/chat.db`` holding its staff accounts and the month."""
    from handoff.storage.database import Database
    from handoff.storage.schema import users

    path = home / "var" / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    source = Database(f"sqlite:///{home / 'var' / 'chat.db'}")
    staff = source.read_sync(lambda conn: [dict(r._mapping) for r in conn.execute(select(users))])
    source.close()
    from tests.servers import copy_kb

    copy_kb(home / "var" / "chat.db", path)  # the KB lives in the chat database: the served KB titles
    db = Database(f"sqlite:///{path}")

    def write(conn: Connection) -> None:
        conn.execute(insert(users), staff)
        seed_month(conn, reviews=reviews)

    db.write_sync(write)
    db.close()
    return path
