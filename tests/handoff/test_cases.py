"""The case lifecycle at service level, on a real SQLite file, with a clock moved by hand:
transitions and refusals, return and re-dispatch, agency isolation, the 24-hour reply, the 3- and
7-day resolution, reminders before and at each deadline, escalation after two reminders, an
idempotent sweep, and a general answer becoming a KB draft."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from handoff.cases.lifecycle import CaseError
from handoff.cases.notify import Notifier
from handoff.cases.service import Actor, CaseService
from handoff.storage.database import Database
from kb_sync.store import KnowledgeBase
from tests.handoff.case_support import CONVERSATION, DAY, HOUR, KB_ENTRIES, START, Clock, database, run, seed

AGENT, AGENT2 = Actor("agent1", "agent"), Actor("agent2", "agent")
BOSS = Actor("boss", "supervisor")
TAX, MOI = Actor("tax1", "agency", "財政部"), Actor("moi1", "agency", "內政部")
CITIZEN = {"citizen_name": "陳小姐", "citizen_contact": "0912345678", "consent": True,
           "summary": "人：陳小姐 事：外籍配偶登記後未入帳 時：11/29 地：臺中 物：居留證"}


@dataclass
class Env:
    db: Database
    service: CaseService
    clock: Clock
    kb: KnowledgeBase

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.db.read_sync(lambda c: [tuple(r) for r in c.exec_driver_sql(sql, params)])

    def notices(self, username: str) -> list[tuple[str, str]]:
        return [(n["kind"], n["text"]) for n in reversed(run(self.service.notifications(Actor(username, "x"))))]

    def sweep(self, at: float) -> dict[str, int]:
        self.clock.t = at
        return run(self.service.sweep())

    def dispatched(self, agency: str = "財政部", urgency: str = "normal") -> dict[str, Any]:
        case = run(self.service.create(AGENT, conversation_id=CONVERSATION, agency=agency, urgency=urgency, **CITIZEN))
        run(self.service.approve(BOSS, case["id"]))
        return run(self.service.dispatch(BOSS, case["id"]))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    db = database(tmp_path / "chat.db")
    seed(db)
    clock = Clock()
    kb = KnowledgeBase(tmp_path / "kb.db")
    yield Env(db, CaseService(db, Notifier(db), kb=kb, kb_entries=lambda: KB_ENTRIES, now=clock), clock, kb)
    db.close()


def refused(call: Any) -> CaseError:
    with pytest.raises(CaseError) as info:
        run(call)
    return info.value


# ---- creation ------------------------------------------------------------------------------------
def test_case_numbers_are_roc_date_and_daily_counter(env: Env) -> None:
    numbers = [run(env.service.create(AGENT, conversation_id=CONVERSATION, **CITIZEN))["number"] for _ in range(2)]
    env.clock.advance(DAY)
    numbers.append(run(env.service.create(AGENT, conversation_id=CONVERSATION, **CITIZEN))["number"])
    assert numbers == ["1121130-0001", "1121130-0002", "1121201-0001"]


def test_agency_is_suggested_from_the_kb_answer_the_agent_inserted(env: Env) -> None:
    case = run(env.service.create(AGENT, conversation_id=CONVERSATION, **CITIZEN))
    assert case["agency"] == "內政部" and case["status"] == "draft" and case["receiver"] == "agent1"
    prefill = run(env.service.prefill(AGENT, conversation_id=CONVERSATION))
    assert prefill["agency"] == "內政部" and prefill["category"] == "外籍人士與陸港澳"
    assert prefill["citizen_name"] == "陳小姐" and prefill["citizen_contact"] == "0912345678"
    assert prefill["agencies"][0] == "金融監督管理委員會"  # most KB entries (then the agencies with accounts)
    # without KB ids the category decides: ATM領現 → the agency most of its entries name
    assert run(env.service.prefill(BOSS, category="ATM領現"))["agency"] == "金融監督管理委員會"


def test_case_from_a_callback_record(env: Env) -> None:
    callback_id = env.rows("select id from callbacks")[0][0]
    prefill = run(env.service.prefill(AGENT2, callback_id=callback_id))
    assert prefill["summary"] == "外籍配偶登記後沒入帳"
    case = run(env.service.create(AGENT2, callback_id=callback_id, **CITIZEN))
    assert case["callback_id"] == callback_id and case["conversation_id"] == CONVERSATION


@pytest.mark.parametrize(("actor", "changes", "code", "status"), [
    (AGENT, {"consent": False}, "consent_required", 422),
    (AGENT2, {}, "not_your_conversation", 403),  # agent2 never handled the chat
    (TAX, {}, "forbidden", 403),
    (AGENT, {"agency": "火星部"}, "unknown_agency", 422),
    (AGENT, {"urgency": "asap"}, "bad_urgency", 422),
    (AGENT, {"summary": "   "}, "missing_field", 422),
    (AGENT, {"conversation_id": "nope"}, "no_conversation", 404),
])
def test_creation_is_refused_with_a_reason(env: Env, actor: Actor, changes: dict[str, Any], code: str,
                                           status: int) -> None:
    fields = {"conversation_id": CONVERSATION, **CITIZEN, **changes}
    error = refused(env.service.create(actor, **fields))
    assert (error.code, error.status) == (code, status)


def test_creating_notifies_every_supervisor(env: Env) -> None:
    run(env.service.create(AGENT, conversation_id=CONVERSATION, **CITIZEN))
    assert [k for k, _ in env.notices("boss")] == ["created"] and [k for k, _ in env.notices("chief")] == ["created"]
    assert env.notices("moi1") == []  # agencies hear of a case only when it is dispatched


# ---- the lifecycle ---------------------------------------------------------------------------------
def test_whole_lifecycle_with_return_and_redispatch(env: Env) -> None:
    s = env.service
    case = run(s.create(AGENT, conversation_id=CONVERSATION, agency="財政部", **CITIZEN))
    run(s.edit(BOSS, case["id"], {"urgency": "urgent", "summary": CITIZEN["summary"] + "（已補充）"}))
    assert run(s.approve(BOSS, case["id"]))["status"] == "approved"
    env.clock.advance(HOUR)
    dispatched = run(s.dispatch(BOSS, case["id"]))
    assert dispatched["status"] == "dispatched" and dispatched["accept_due_at"] == START + HOUR + 24 * HOUR
    assert [k for k, _ in env.notices("tax1")] == ["dispatched"]
    assert [k for k, _ in env.notices("tax@mof.example")] == ["dispatched"]

    returned = run(s.return_(TAX, case["id"], "非本部業務，應由內政部移民署辦理"))
    assert returned["status"] == "returned" and returned["return_reason"].startswith("非本部業務")
    assert env.notices("boss")[-1] == ("returned", f"財政部 退回案件 {case['number']}：非本部業務，應由內政部移民署辦理")

    env.clock.advance(HOUR)
    again = run(s.redispatch(BOSS, case["id"], "內政部"))
    assert again["status"] == "dispatched" and again["agency"] == "內政部"
    assert refused(s.accept(TAX, case["id"])).status == 404  # no longer theirs
    assert [k for k, _ in env.notices("moi1")] == ["dispatched"]

    env.clock.advance(2 * HOUR)
    accepted = run(s.accept(MOI, case["id"]))
    accepted_at = START + 4 * HOUR
    assert accepted["accepted_at"] == accepted_at and accepted["accepted_by"] == "moi1"
    assert accepted["reply_due_at"] == accepted_at + 24 * HOUR  # reply to the citizen within 24 h
    assert accepted["resolve_due_at"] == accepted_at + 3 * DAY  # urgent (edited before approval)

    env.clock.advance(5 * HOUR)
    replied = run(s.reply(MOI, case["id"], "已請移民署協助補登，預計下週入帳，並已電話告知陳小姐。"))
    assert replied["status"] == "replied" and replied["replied_at"] == accepted_at + 5 * HOUR
    run(s.reply(MOI, case["id"], "補充：已入帳。"))  # a second reply keeps the first reply time
    assert run(s.get(BOSS, case["id"]))["replied_at"] == accepted_at + 5 * HOUR

    closed = run(s.close(BOSS, case["id"], general_answer=True, faq_question="外籍配偶登記後沒有入帳怎麼辦？"))
    assert closed["status"] == "closed" and closed["closed_by"] == "boss" and closed["general_answer"]
    draft = [e for e in env.kb.drafts() if e["id"] == closed["kb_draft_id"]]
    assert draft and draft[0]["question"] == "外籍配偶登記後沒有入帳怎麼辦？"
    assert draft[0]["answer"] == "補充：已入帳。" and draft[0]["agency"] == "內政部"
    assert draft[0]["category"] == "外籍人士與陸港澳"

    events = [(e["actor"], e["action"]) for e in run(s.get(BOSS, case["id"]))["events"]]
    assert events == [("agent1", "created"), ("boss", "edit"), ("boss", "approve"), ("boss", "dispatch"),
                      ("tax1", "return"), ("boss", "redispatch"), ("moi1", "accept"), ("moi1", "reply"),
                      ("moi1", "reply"), ("boss", "close"), ("boss", "kb_draft")]
    assert [k for k, _ in env.notices("boss")] == ["created", "returned", "accepted", "replied", "replied"]
    assert [k for k, _ in env.notices("moi1")] == ["dispatched", "closed"]


def test_agency_users_may_close_and_a_plain_answer_makes_no_draft(env: Env) -> None:
    case = env.dispatched("內政部")
    run(env.service.accept(MOI, case["id"]))
    run(env.service.reply(MOI, case["id"], "已回覆"))
    closed = run(env.service.close(MOI, case["id"], general_answer=False))
    assert closed["status"] == "closed" and closed["kb_draft_id"] is None and env.kb.drafts() == []
    assert env.notices("boss")[-1][0] == "closed"


@pytest.mark.parametrize(("steps", "actor", "action", "code", "status"), [
    ([], MOI, "accept", "not_found", 404),  # agencies do not see drafts
    ([], AGENT, "approve", "forbidden", 403),
    (["approve"], BOSS, "approve", "bad_transition", 409),
    (["approve"], BOSS, "close", "bad_transition", 409),
    (["approve", "dispatch"], MOI, "reply", "bad_transition", 409),
    (["approve", "dispatch"], MOI, "close", "bad_transition", 409),
    (["approve", "dispatch"], BOSS, "accept", "forbidden", 403),
    (["approve", "dispatch"], BOSS, "redispatch", "bad_transition", 409),
    (["approve", "dispatch"], BOSS, "edit", "bad_transition", 409),
])
def test_illegal_transitions_are_refused(env: Env, steps: list[str], actor: Actor, action: str, code: str,
                                         status: int) -> None:
    s = env.service
    case = run(s.create(AGENT, conversation_id=CONVERSATION, agency="內政部", **CITIZEN))
    for step in steps:
        run(getattr(s, step)(BOSS, case["id"]))
    calls = {"accept": lambda: s.accept(actor, case["id"]), "approve": lambda: s.approve(actor, case["id"]),
             "close": lambda: s.close(actor, case["id"]), "reply": lambda: s.reply(actor, case["id"], "x"),
             "redispatch": lambda: s.redispatch(actor, case["id"]),
             "edit": lambda: s.edit(actor, case["id"], {"summary": "x"})}
    error = refused(calls[action]())
    assert (error.code, error.status) == (code, status)
    assert run(s.get(BOSS, case["id"]))["status"] == ("draft" if not steps else "approved" if len(steps) == 1
                                                      else "dispatched")


def test_return_needs_a_reason(env: Env) -> None:
    case = env.dispatched("內政部")
    assert refused(env.service.return_(MOI, case["id"], "  ")).code == "reason_required"


def test_another_agencys_case_is_refused(env: Env) -> None:
    case = env.dispatched("財政部")
    for call in (env.service.get(MOI, case["id"]), env.service.accept(MOI, case["id"]),
                 env.service.return_(MOI, case["id"], "不是我們的")):
        assert refused(call).status == 404
    assert run(env.service.list(MOI)) == []
    assert [c["id"] for c in run(env.service.list(TAX))] == [case["id"]]
    assert run(env.service.get(TAX, case["id"]))["agency"] == "財政部"


def test_agents_see_only_the_cases_they_recorded(env: Env) -> None:
    mine = run(env.service.create(AGENT, conversation_id=CONVERSATION, **CITIZEN))
    callback_id = env.rows("select id from callbacks")[0][0]
    theirs = run(env.service.create(AGENT2, callback_id=callback_id, **CITIZEN))
    assert [c["id"] for c in run(env.service.list(AGENT))] == [mine["id"]]
    assert refused(env.service.get(AGENT, theirs["id"])).status == 404
    assert {c["id"] for c in run(env.service.list(BOSS))} == {mine["id"], theirs["id"]}


# ---- deadlines, reminders, escalation ---------------------------------------------------------------
def test_accept_deadline_reminds_before_and_at_then_escalates_after_two_reminders(env: Env) -> None:
    case = env.dispatched("財政部")  # dispatched at START: accept due START + 24 h
    due = START + 24 * HOUR
    assert env.sweep(START + 19 * HOUR)["reminders"] == 0
    assert env.sweep(START + 20 * HOUR)["reminders"] == 1  # 4 h before
    assert env.sweep(START + 20 * HOUR) == {"checked": 1, "reminders": 0, "overdue": 0, "escalations": 0}
    assert env.sweep(due - 1)["overdue"] == 0
    assert env.sweep(due)["overdue"] == 1  # at the deadline: the first 催辦
    assert env.sweep(due)["overdue"] == 0  # idempotent
    assert env.sweep(due + 4 * HOUR - 1)["overdue"] == 0
    assert env.sweep(due + 4 * HOUR)["overdue"] == 1  # the second 催辦
    row = run(env.service.get(BOSS, case["id"]))
    assert row["reminders"] == 2 and row["escalated_at"] is None
    assert env.sweep(due + 8 * HOUR - 1)["escalations"] == 0
    assert env.sweep(due + 8 * HOUR)["escalations"] == 1  # 催促兩次仍未辦理 → up to the supervisors
    assert env.sweep(due + 30 * DAY) == {"checked": 1, "reminders": 0, "overdue": 0, "escalations": 0}
    row = run(env.service.get(BOSS, case["id"]))
    assert row["escalated_at"] == due + 8 * HOUR and row["reminders"] == 2
    assert [k for k, _ in env.notices("tax1")] == ["dispatched", "reminder", "overdue", "overdue", "escalated"]
    assert env.notices("boss")[-1] == ("escalated", (f"案件 {case['number']}（財政部）經催辦兩次仍未受理"
                                                    "（期限 2023-12-01 10:00），已陳報督導。"))
    assert env.notices("moi1") == []
    actions = [(e["actor"], e["action"], e["note"].split(" ")[0]) for e in row["events"] if e["actor"] == "system"]
    assert actions == [("system", "reminder", f"accept@{int(due)}:before"),
                       ("system", "reminder", f"accept@{int(due)}:overdue-1"),
                       ("system", "reminder", f"accept@{int(due)}:overdue-2"),
                       ("system", "escalated", f"accept@{int(due)}:escalate")]


def test_reply_is_due_24_hours_after_acceptance(env: Env) -> None:
    case = env.dispatched("內政部")
    env.clock.advance(2 * HOUR)
    accepted = run(env.service.accept(MOI, case["id"]))
    reply_due = START + 2 * HOUR + 24 * HOUR
    assert accepted["reply_due_at"] == reply_due
    assert [b["name"] for b in accepted["deadlines"]] == ["reply", "resolve"]
    assert env.sweep(reply_due - 4 * HOUR)["reminders"] == 1
    assert "回覆民眾期限為 2023-12-01 12:00" in env.notices("moi1")[-1][1]
    assert env.sweep(reply_due)["overdue"] == 1
    env.clock.advance(HOUR)
    run(env.service.reply(MOI, case["id"], "已電話回覆陳小姐"))
    assert env.sweep(reply_due + 10 * HOUR)["overdue"] == 0  # replied: the reply clock stopped
    assert run(env.service.get(BOSS, case["id"]))["reminders"] == 1


def test_an_answer_in_time_gets_only_the_before_reminder(env: Env) -> None:
    case = env.dispatched("內政部")
    run(env.service.accept(MOI, case["id"]))
    env.sweep(START + 21 * HOUR)
    run(env.service.reply(MOI, case["id"], "已回覆"))
    run(env.service.close(BOSS, case["id"]))
    assert env.sweep(START + 30 * DAY)["checked"] == 0
    assert [k for k, _ in env.notices("moi1")] == ["dispatched", "reminder", "closed"]


@pytest.mark.parametrize(("urgency", "days"), [("urgent", 3), ("normal", 7)])
def test_resolution_is_due_3_days_urgent_or_7_days_normal(env: Env, urgency: str, days: int) -> None:
    case = env.dispatched("內政部", urgency)
    accepted = run(env.service.accept(MOI, case["id"]))
    due = START + days * DAY
    assert accepted["resolve_due_at"] == due
    run(env.service.reply(MOI, case["id"], "已回覆，仍在處理"))
    assert env.sweep(due - DAY - 1)["reminders"] == 0
    assert env.sweep(due - DAY)["reminders"] == 1  # a day before
    assert env.sweep(due)["overdue"] == 1
    assert env.sweep(due + DAY)["overdue"] == 1
    assert env.sweep(due + 2 * DAY)["escalations"] == 1
    row = run(env.service.get(BOSS, case["id"]))
    assert row["escalated_at"] == due + 2 * DAY and row["reminders"] == 2
    assert "仍未辦結" in env.notices("boss")[-1][1]


def test_a_late_first_sweep_catches_up_one_step_at_a_time(env: Env) -> None:
    env.dispatched("財政部")
    late = START + 10 * DAY  # the server was down for days
    assert env.sweep(late) == {"checked": 1, "reminders": 0, "overdue": 1, "escalations": 0}
    assert env.sweep(late + HOUR)["overdue"] == 0
    assert env.sweep(late + 4 * HOUR)["overdue"] == 1
    assert env.sweep(late + 8 * HOUR)["escalations"] == 1


def test_redispatch_starts_fresh_deadlines(env: Env) -> None:
    case = env.dispatched("財政部")
    for hours in (24, 28, 32):
        env.sweep(START + hours * HOUR)
    assert run(env.service.get(BOSS, case["id"]))["escalated_at"] == START + 32 * HOUR
    run(env.service.return_(TAX, case["id"], "非本部業務"))
    env.clock.t = START + 40 * HOUR
    run(env.service.redispatch(BOSS, case["id"], "內政部"))
    assert env.sweep(START + 60 * HOUR)["reminders"] == 1  # 4 h before the new accept deadline
    assert env.sweep(START + 64 * HOUR)["overdue"] == 1
    assert run(env.service.get(BOSS, case["id"]))["reminders"] == 3
    assert [k for k, _ in env.notices("moi1")] == ["dispatched", "reminder", "overdue"]


def test_notifications_can_be_marked_read(env: Env) -> None:
    run(env.service.create(AGENT, conversation_id=CONVERSATION, **CITIZEN))
    run(env.service.create(AGENT, conversation_id=CONVERSATION, **CITIZEN))
    boss_notes = run(env.service.notifications(BOSS, unread_only=True))
    assert len(boss_notes) == 2 and boss_notes[0]["number"] == "1121130-0002"
    assert run(env.service.mark_read(BOSS, [boss_notes[1]["id"]])) == 1
    assert [n["id"] for n in run(env.service.notifications(BOSS, unread_only=True))] == [boss_notes[0]["id"]]
    assert run(env.service.mark_read(BOSS)) == 1
    assert run(env.service.notifications(BOSS, unread_only=True)) == []
    assert len(run(env.service.notifications(Actor("chief", "supervisor"), unread_only=True))) == 2
