"""After the chat, at service level on a real SQLite file with a real SMTP server (aiosmtpd on
loopback): the citizen hears the reply and the closing by e-mail or by SMS (the channel chosen when
the case was made), the status lookup shows only status + reply for the right number and digits,
the 5-point survey is forwarded to the agency, escalation goes to the agency's configured contact
and the closing notice to 國庫署."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from handoff.cases.agencies_table import SEEDED, TREASURY
from handoff.cases.followup import CitizenNotifier, LoggingSmsSender, choose_channel
from handoff.cases.lifecycle import CaseError
from handoff.cases.notify import MailConfig, Notifier
from handoff.cases.service import Actor, CaseService
from tests.handoff.case_support import CONVERSATION, HOUR, KB_ENTRIES, Clock, database, run, seed, smtp_server

AGENT, BOSS, TAX = Actor("agent1", "agent"), Actor("boss", "supervisor"), Actor("tax1", "agency", "財政部")
SUMMARY = "人：陳小姐 事：外籍配偶登記後未入帳 時：11/29"


def make(tmp_path: Path, port: int = 0) -> tuple[Any, CaseService, Clock, LoggingSmsSender]:
    db = database(tmp_path / "chat.db")
    seed(db)
    clock = Clock()
    mail = MailConfig("127.0.0.1" if port else "", port, "hotline@example.org", "https://hotline.example.org")
    sms = LoggingSmsSender()
    service = CaseService(db, Notifier(db, mail), kb_entries=lambda: KB_ENTRIES, now=clock,
                          citizens=CitizenNotifier(db, mail, sms))
    return db, service, clock, sms


def replied(service: CaseService, reply: str = "已補發入帳，請於 12/5 後查詢。", **citizen: Any) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        case = await service.create(AGENT, conversation_id=CONVERSATION, agency="財政部", consent=True,
                                    citizen_name="陳小姐", summary=SUMMARY, **citizen)
        await service.approve(BOSS, case["id"])
        await service.dispatch(BOSS, case["id"])
        await service.accept(TAX, case["id"])
        done = await service.reply(TAX, case["id"], reply)
        await service.citizens.drain()
        return done

    return run(go())


def test_the_citizen_gets_the_agency_reply_and_the_closing_by_email(tmp_path: Path) -> None:
    with smtp_server() as (mailbox, port):
        db, service, clock, sms = make(tmp_path, port)
        case = replied(service, citizen_contact="chen@example.com")
        assert case["notify_channel"] == "email"
        mailbox.wait(1)

        async def close() -> None:
            await service.close(TAX, case["id"])
            await service.citizens.drain()
            await service.notifier.drain()

        run(close())
        mailbox.wait(2)
    to_citizen = [m for m in mailbox.messages if m["To"] == "chen@example.com"]
    assert len(to_citizen) == 2 and sms.sent == []
    first = to_citizen[0].get_body().get_content()  # type: ignore[union-attr]
    assert case["number"] in to_citizen[0]["Subject"]
    assert "已補發入帳，請於 12/5 後查詢。" in first and "https://hotline.example.org/case-status" in first
    assert "已結案" in to_citizen[1].get_body().get_content()  # type: ignore[union-attr]
    rows = db.read_sync(lambda c: c.exec_driver_sql(
        "select channel, kind, address_masked, sent_at is not null, error from citizen_notices order by id").fetchall())
    assert [tuple(r) for r in rows] == [("email", "replied", "[email]", 1, None), ("email", "closed", "[email]", 1, None)]
    db.close()


def test_the_citizen_gets_the_reply_by_sms_when_they_chose_a_phone(tmp_path: Path) -> None:
    db, service, clock, sms = make(tmp_path)
    long_reply = "經查您的帳戶" + "因故" * 60 + "已處理完成。"
    case = replied(service, long_reply, citizen_contact="陳小姐 0912-345-678", notify_channel="sms",
                   citizen_phone="0912-345-678")
    assert len(sms.sent) == 1
    phone, text = sms.sent[0]
    assert phone == "0912-345-678" and case["number"] in text and text.count("因故") < 60 and "…" in text
    assert db.read_sync(lambda c: c.exec_driver_sql("select citizen_notified_at from cases").scalar()) is not None
    db.close()


def test_a_failed_email_is_recorded_and_nothing_is_lost(tmp_path: Path) -> None:
    db, service, clock, sms = make(tmp_path)  # no SMTP configured
    replied(service, citizen_contact="chen@example.com")
    row = db.read_sync(lambda c: c.exec_driver_sql("select sent_at, error, text from citizen_notices").one())
    assert row[0] is None and "HOTLINE_SMTP_HOST" in row[1] and "已補發入帳" in row[2]
    db.close()


@pytest.mark.parametrize(("channel", "email", "phone", "contact", "expected"), [
    (None, None, None, "chen@example.com", ("email", "chen@example.com", None)),
    (None, None, None, "0912345678", ("sms", None, "0912345678")),
    (None, None, None, "請打到公司找陳小姐", ("none", None, None)),
    ("sms", None, "04-2222-0000", "x", ("sms", None, "04-2222-0000")),
])
def test_the_channel_is_chosen_or_guessed_from_the_contact(channel: str | None, email: str | None,
                                                           phone: str | None, contact: str, expected: tuple) -> None:
    assert choose_channel(channel, email, phone, contact) == expected


@pytest.mark.parametrize(("channel", "email", "phone", "code"), [
    ("email", None, None, "email_required"), ("sms", None, "12", "phone_required"), ("fax", None, None, "bad_channel")])
def test_a_channel_without_its_address_is_refused(channel: str, email: str | None, phone: str | None,
                                                   code: str) -> None:
    with pytest.raises(CaseError) as caught:
        choose_channel(channel, email, phone, "陳小姐")
    assert caught.value.code == code


def test_status_lookup_shows_status_and_reply_only_for_the_right_pair(tmp_path: Path) -> None:
    db, service, clock, sms = make(tmp_path)
    case = replied(service, citizen_contact="0912345678")
    found = run(service.aftercare.status(case["number"], "5678"))
    assert found == {"number": case["number"], "status": "相關機關已回覆", "reply": "已補發入帳，請於 12/5 後查詢。",
                     "survey_open": True}
    for number, digits in [(case["number"], "5679"), (case["number"], "1234"), ("1121130-0099", "5678"),
                           ("' or 1=1 --", "5678"), (case["number"], "")]:
        assert run(service.aftercare.status(number, digits)) is None
    db.close()


def test_the_survey_is_once_after_the_reply_and_is_forwarded_to_the_agency(tmp_path: Path) -> None:
    db, service, clock, sms = make(tmp_path)
    early = run(service.create(AGENT, conversation_id=CONVERSATION, agency="財政部", consent=True,
                               citizen_name="陳小姐", citizen_contact="0911000111", summary=SUMMARY))
    with pytest.raises(CaseError) as caught:
        run(service.aftercare.citizen_survey(early["number"], "0111", 5, None))
    assert caught.value.code == "not_yet"
    case = replied(service, citizen_contact="0912345678")
    with pytest.raises(CaseError) as caught:
        run(service.aftercare.citizen_survey(case["number"], "0000", 5, None))
    assert caught.value.status == 404
    saved = run(service.aftercare.citizen_survey(case["number"], "5678", 2, "回覆太慢"))
    assert saved["score"] == 2 and saved["forwarded_at"] is not None
    with pytest.raises(CaseError) as caught:
        run(service.aftercare.staff_survey(case["id"], 5, None, "boss"))
    assert caught.value.code == "already_surveyed"
    told = [n["text"] for n in run(service.notifications(Actor("tax1", "agency", "財政部"))) if n["kind"] == "survey"]
    assert told == [f"滿意度轉知：案件 {case['number']} 民眾評分「不滿意」，意見：回覆太慢"]
    assert run(service.aftercare.status(case["number"], "5678"))["survey_open"] is False  # type: ignore[index]
    db.close()


def test_agencies_are_seeded_from_the_seeds_and_the_kb_and_edits_survive(tmp_path: Path) -> None:
    db, service, clock, sms = make(tmp_path)
    names = [a["name"] for a in run(service.book.list())]
    for expected in ("原住民族委員會", "經濟部", "行政院新聞傳播處", "關貿網路股份有限公司", TREASURY, "金融監督管理委員會"):
        assert expected in names
    assert set(SEEDED) <= set(names)
    run(service.book.update("boss", "經濟部", {"contact_person": "林科長", "email": "lin@moea.example", "extension": "321"}))
    service.book._seeded = False  # a new process seeds again: the edit stays
    row = next(a for a in run(service.book.list()) if a["name"] == "經濟部")
    assert (row["contact_person"], row["email"], row["extension"], row["updated_by"]) == (
        "林科長", "lin@moea.example", "321", "boss")
    with pytest.raises(CaseError):
        run(service.book.update("boss", "經濟部", {"email": "not-an-address"}))
    run(service.book.update("boss", "經濟部", {"active": False}))
    assert "經濟部" not in run(service.known_agencies())
    db.close()


def test_escalation_goes_to_the_agency_contact_and_closing_to_the_treasury(tmp_path: Path) -> None:
    with smtp_server() as (mailbox, port):
        db, service, clock, sms = make(tmp_path, port)
        run(service.book.update("boss", "財政部", {"email": "window@mof.example"}))
        run(service.book.update("boss", TREASURY, {"email": "notice@nta.example"}))

        async def go() -> dict[str, Any]:
            case = await service.create(AGENT, conversation_id=CONVERSATION, agency="財政部", consent=True,
                                        citizen_name="陳小姐", citizen_contact="0912345678", summary=SUMMARY)
            await service.approve(BOSS, case["id"])
            await service.dispatch(BOSS, case["id"])
            for hours in (24, 28, 32):  # overdue 1, overdue 2, escalation of the accept deadline
                clock.t = case["received_at"] + hours * HOUR
                await service.sweep()
            await service.accept(TAX, case["id"])
            await service.reply(TAX, case["id"], "已處理")
            await service.close(BOSS, case["id"])
            await service.notifier.drain()
            await asyncio.sleep(0)
            return case

        case = run(go())
        mailbox.wait(3)
    by_rcpt = {tuple(e.rcpt_tos)[0]: m for e, m in zip(mailbox.envelopes, mailbox.messages)}
    assert "經催辦兩次仍未受理" in by_rcpt["window@mof.example"]["Subject"]
    notice = by_rcpt["notice@nta.example"]
    assert case["number"] in notice["Subject"] and "純屬個案" in notice.get_body().get_content()  # type: ignore[union-attr]
    db.close()
