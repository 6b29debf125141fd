"""Case notifications by e-mail to a real local SMTP server (aiosmtpd on a free loopback port),
and the ``hotline cases`` commands through click's CliRunner on a real SQLite file."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from handoff.cases.notify import MailConfig, Notifier
from handoff.cases.service import Actor, CaseService
from handoff.cli import main
from handoff.settings import get_settings
from tests.handoff.case_support import CONVERSATION, HOUR, KB_ENTRIES, START, Clock, database, run, seed, smtp_server
from tests.servers import free_port

AGENT, BOSS, TAX = Actor("agent1", "agent"), Actor("boss", "supervisor"), Actor("tax1", "agency", "財政部")
CITIZEN = {"citizen_name": "王先生", "citizen_contact": "04-2222-0000", "consent": True,
           "summary": "人：王先生 事：扣押帳戶可否入帳 時：11/30 地：臺中 物：存摺"}


def dispatch_one(service: CaseService) -> dict:
    case = run(service.create(AGENT, conversation_id=CONVERSATION, agency="財政部", **CITIZEN))
    run(service.approve(BOSS, case["id"]))

    async def go() -> dict:
        result = await service.dispatch(BOSS, case["id"])
        await service.notifier.drain()
        return result

    return run(go())


def test_dispatch_emails_the_agency_users_that_have_an_address(tmp_path: Path) -> None:
    db = database(tmp_path / "chat.db")
    seed(db)
    with smtp_server() as (mailbox, port):
        mail = MailConfig("127.0.0.1", port, "hotline@example.org", "https://hotline.example.org")
        service = CaseService(db, Notifier(db, mail), kb_entries=lambda: KB_ENTRIES, now=Clock())
        case = dispatch_one(service)
        messages = mailbox.wait(1)
    assert len(messages) == 1  # tax1 has no address; boss/chief were told of the draft without one
    message = messages[0]
    assert message["To"] == "tax@mof.example" and message["From"] == "hotline@example.org"
    assert mailbox.envelopes[0].rcpt_tos == ["tax@mof.example"]
    assert case["number"] in message["Subject"] and "已派送給財政部" in message["Subject"]
    body = message.get_body().get_content()  # type: ignore[union-attr]
    assert "請於 2023-12-01 10:00 前受理" in body and "https://hotline.example.org/agency" in body
    emailed = db.read_sync(lambda c: c.exec_driver_sql(
        "select username, emailed_at from notifications where kind='dispatched' order by username").fetchall())
    assert emailed == [("tax1", None), ("tax@mof.example", START)]
    db.close()


def test_a_users_email_column_is_used_before_the_username(tmp_path: Path) -> None:
    db = database(tmp_path / "chat.db")
    seed(db)
    db.write_sync(lambda c: c.exec_driver_sql("update users set email='tax1@mof.example' where username='tax1'"))
    with smtp_server() as (mailbox, port):
        mail = MailConfig("127.0.0.1", port, "hotline@example.org", "https://hotline.example.org")
        service = CaseService(db, Notifier(db, mail), kb_entries=lambda: KB_ENTRIES, now=Clock())
        dispatch_one(service)
        mailbox.wait(2)
    assert sorted(to for envelope in mailbox.envelopes for to in envelope.rcpt_tos) == [
        "tax1@mof.example", "tax@mof.example"]
    db.close()


def test_an_unreachable_smtp_server_leaves_the_notification_in_the_page(tmp_path: Path) -> None:
    db = database(tmp_path / "chat.db")
    seed(db)
    service = CaseService(db, Notifier(db, MailConfig("127.0.0.1", free_port(), timeout=2)),
                          kb_entries=lambda: KB_ENTRIES, now=Clock())
    dispatch_one(service)  # no exception: delivery failures are logged
    rows = db.read_sync(lambda c: c.exec_driver_sql(
        "select emailed_at from notifications where username='tax@mof.example'").fetchall())
    assert rows == [(None,)]
    db.close()


def invoke(runner: CliRunner, args: list[str], env: dict[str, str]) -> Result:
    """Run ``hotline`` with these HOTLINE_* variables (the settings are cached per process)."""
    get_settings.cache_clear()
    try:
        return runner.invoke(main, args, env=env)
    finally:
        get_settings.cache_clear()


def test_cli_sweep_sends_reminders_once_and_emails_them(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    db = database(path)
    seed(db)
    dispatch_one(CaseService(db, Notifier(db), kb_entries=lambda: KB_ENTRIES, now=Clock()))
    db.close()
    runner = CliRunner()
    at = "2023-12-01T10:00:00+08:00"  # the accept deadline (dispatched 2023-11-30 10:00)
    with smtp_server() as (mailbox, port):
        env = {"HOTLINE_HOME": str(tmp_path), "HOTLINE_DATABASE_URL": f"sqlite:///{path}",
               "HOTLINE_SMTP_HOST": "127.0.0.1", "HOTLINE_SMTP_PORT": str(port), "HOTLINE_CLOCK": ""}
        first, second = invoke(runner, ["cases", "sweep", "--at", at], env), invoke(runner, ["cases", "sweep", "--at", at], env)
        messages = mailbox.wait(1)
    assert first.exit_code == 0, first.output
    assert "1 overdue reminders" in first.output and "0 escalations" in first.output
    assert "0 reminders before a deadline, 0 overdue reminders" in second.output  # idempotent
    assert len(messages) == 1 and "催辦第 1 次" in messages[0]["Subject"]
    listing = invoke(runner, ["cases", "list"], env)
    assert listing.exit_code == 0 and "dispatched" in listing.output and "財政部" in listing.output
    bad = invoke(runner, ["cases", "sweep", "--at", "tomorrow"], env)
    assert bad.exit_code != 0 and "ISO timestamp" in bad.output


def test_every_cases_command_has_help() -> None:
    runner = CliRunner()
    for args in (["cases", "-h"], ["cases", "sweep", "-h"], ["cases", "list", "-h"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and "Usage" in result.output


def test_hour_constant_matches_the_rules() -> None:
    from handoff.cases.deadlines import RULES

    assert RULES["accept"].before == 4 * HOUR and RULES["resolve"].step == 24 * HOUR
