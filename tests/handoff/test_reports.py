"""The monthly report over a seeded month (tests/handoff/reports_seed.py), every figure checked
against a value computed by hand, in the report object, the JSON, CSV and XLSX exports and the CLI."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from handoff.reports.export import render, rows, to_csv
from handoff.reports.figures import ReportError, month_bounds
from handoff.reports.monthly import MonthlyReport, monthly_report
from handoff.storage.database import Database
from tests.conftest import ROOT
from tests.handoff.reports_seed import MONTH, NOW, now, seed_month, t

TITLES = {"ATM-001": "ATM 什麼時候可以領？"}


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "chat.db"
    db = Database(f"sqlite:///{path}")
    db.write_sync(seed_month)
    db.close()
    yield path


@pytest.fixture
def report(db_path: Path) -> MonthlyReport:
    db = Database(f"sqlite:///{db_path}")
    try:
        return db.read_sync(lambda conn: monthly_report(conn, MONTH, now(), TITLES.get))
    finally:
        db.close()


# hand-computed from the table in reports_seed.py ---------------------------------------------------
VOLUME = {
    "chats": 11,                   # c01–c11 (c12 has no citizen message; x1 is September, x2 November in Taipei)
    "bot_only": 3,                 # c01, c02, c11: never queued, ≥ 1 KB answer (c03 got none; c04 was queued)
    "bot_only_rate": 0.2727,       # 3 / 11 = 0.27272…
    "handoffs": 7,                 # c04–c10
    "handoff_rate": 0.6364,        # 7 / 11 = 0.63636…
    "agent_resolved": 5,           # c04, c05, c06, c07, c08
    "abandoned": 2,                # c09, c10
    "abandoned_in_queue": 1,       # c10 (never assigned)
    "abandoned_with_agent": 1,     # c09
    "abandonment_rate": 0.2857,    # 2 / 7 = 0.28571…
    "callbacks": 2,                # 10-08 23:00 and 10-15; the 09-30 23:30 one is September
    "callbacks_open": 1,           # the 10-08 one
}
MATCH = {
    "question_turns": 10,          # c01 1, c02 2 (+1 greet, not a question), c03 1, c04 2, c05 1, c06 1, c10 1, c11 1
    "answered_turns": 5,           # c01 1 + c02 2 + c04 1 + c11 1
    "match_rate": 0.5,             # 5 / 10
    "target": 0.85,
    "met": False,                  # 0.5 < 0.85
    "misses": 5,                   # c03, c04, c05, c06, c10
    "person_requests": 1,          # c06 「我要找真人」: neither a question nor a miss
}
WAITS = {
    "answered": 6,                 # c04 5 s, c05 7 s, c06 7.5 s, c07 15 s, c08 31 s, c09 45 s
    "within_7": 2,                 # 5, 7 (7 is still ≤ 7)
    "within_15": 2,                # 7.5, 15
    "within_31": 1,                # 31
    "over_31": 1,                  # 45
    "share_within_7": 0.3333,      # 2 / 6
    "share_within_15": 0.6667,     # (2 + 2) / 6
    "share_over_31": 0.1667,       # 1 / 6
    "average_seconds": 18.42,      # (5 + 7 + 7.5 + 15 + 31 + 45) / 6 = 110.5 / 6 = 18.4166…
    "max_seconds": 45.0,
}
SATISFACTION = {
    "responses": 5,                # c02 5, c04 4, c05 2, c07 5, c08 3 (x1 and x2 are other months)
    "average_score": 3.8,          # (5 + 4 + 2 + 5 + 3) / 5 = 19 / 5
    "satisfied": 3,                # 5, 4, 5
    "satisfied_share": 0.6,        # 3 / 5
    "target": 0.85,
    "met": False,
    "agent_closed": 5,             # c04–c08
    "agent_closed_responses": 4,   # c04, c05, c07, c08 (c06 did not answer; c02 is a bot chat)
    "response_rate": 0.8,          # 4 / 5
    "score_1": 0, "score_2": 1, "score_3": 1, "score_4": 1, "score_5": 2,
}
# now = 2023-11-01 12:00 Taipei
FINANCE = {
    "agency": "財政部", "accepted": 4, "urgent": 1,
    "replied_on_time": 1,          # 10-02 10:00 accepted, replied 18:00 (due 10-03 10:00)
    "replied_late": 2,             # replied 10-11 12:00 (due 10:00); unreplied, due 10-26 09:00 passed
    "reply_pending": 1,            # urgent, accepted 10-31 20:00, due 11-01 20:00 not reached at 12:00
    "points": -10,                 # 10 × (1 − 2)
    "resolved_on_time": 1,         # closed 10-05 (due 10-09)
    "resolved_late": 2,            # closed 10-20 (due 10-17); open, due 11-01 09:00 passed
    "resolve_pending": 1,          # urgent, due 11-03 20:00 (3 days)
    "compliance": 0.3333,          # 1 / (1 + 2)
    "reminders": 4,                # 2 + 2
    "escalated": 2,
}
INTERIOR = {
    "agency": "內政部", "accepted": 2, "urgent": 0,
    "replied_on_time": 2,          # 11 h after acceptance (due derived: accepted + 24 h); 23 h after
    "replied_late": 0, "reply_pending": 0,
    "points": 20,                  # 10 × (2 − 0)
    "resolved_on_time": 1,         # closed the next day (derived due: accepted + 7 days)
    "resolved_late": 1,            # open, due 10-27 09:00 passed
    "resolve_pending": 0,
    "compliance": 0.5,             # 1 / (1 + 1)
    "reminders": 0, "escalated": 0,
}
CASES = {
    "received": 8,                 # received_at in October; the 09-30 one is not
    "accepted": 6,                 # 4 + 2; accepted 11-01 00:30 Taipei (10-31 in UTC) and 09-30 23:00 are not
    "replied_on_time": 3, "replied_late": 2, "reply_pending": 1,
    "points": 10,                  # −10 + 20
    "resolved_on_time": 2, "resolved_late": 3,
    "compliance": 0.4,             # 2 / (2 + 3)
    "escalated": 2,
}
QUALITY = {
    "reviews": 3,                  # c04 100, c05 40, c06 80 (x2 is November)
    "average_score": 73.33,        # 220 / 3 = 73.333…
    "greeting_share": 1.0,         # 3 / 3
    "confirmed_need_share": 0.6667,  # 2 / 3
    "anything_else_share": 0.6667,   # 2 / 3
    "thanks_share": 1.0,           # 3 / 3
    "correct_answer_share": 0.3333,  # 1 / 3
}
AGENT1 = {"agent": "agent1", "closed_chats": 3,  # c04, c05, c08 (c09 abandoned, x2 November)
          "reviews": 2, "average_score": 70.0,   # (100 + 40) / 2
          "greeting": 2, "confirmed_need": 1, "anything_else": 1, "thanks": 2, "correct_answer": 1}
AGENT2 = {"agent": "agent2", "closed_chats": 2,  # c06, c07
          "reviews": 1, "average_score": 80.0,
          "greeting": 1, "confirmed_need": 1, "anything_else": 1, "thanks": 1, "correct_answer": 0}
TOPICS = [
    {"topic": "ATM-001", "title": "ATM 什麼時候可以領？", "misses": 2, "example": "提款機幾點"},  # suggested + labelled
    {"topic": "REG-001", "title": "", "misses": 2, "example": "我的錢呢"},  # predicted intent of c03 and c10
    {"topic": "（未知）", "title": "", "misses": 1, "example": "？？"},
]


def _section(data: dict, expected: dict) -> dict:
    return {k: data[k] for k in expected}


def test_month_bounds_are_taipei_calendar_months() -> None:
    start, end = month_bounds("2023-12")
    assert (start, end) == (t("2023-12-01 00:00"), t("2024-01-01 00:00"))
    assert end - start == 31 * 86400
    with pytest.raises(ReportError, match="YYYY-MM"):
        month_bounds("2023-13")


def test_every_figure_matches_the_hand_computed_value(report: MonthlyReport) -> None:
    data = report.to_dict()
    assert (data["month"], data["start"], data["end"]) == ("2023-10", "2023-10-01T00:00:00+08:00",
                                                           "2023-11-01T00:00:00+08:00")
    assert _section(data["volume"], VOLUME) == VOLUME and set(data["volume"]) == set(VOLUME)
    assert data["match"] == MATCH
    assert data["waits"] == WAITS
    assert data["satisfaction"] == SATISFACTION
    assert data["cases"]["by_agency"] == [INTERIOR, FINANCE]  # sorted by name: 內 (U+5167) < 財 (U+8CA1)
    assert _section(data["cases"], CASES) == CASES
    assert data["top_missed"] == TOPICS
    assert _section(data["quality"], QUALITY) == QUALITY
    assert data["quality"]["by_agent"] == [AGENT1, AGENT2]


def test_daily_rows_cover_the_month_and_add_up(report: MonthlyReport) -> None:
    days = {d.date: d for d in report.daily}
    assert len(days) == 31 and report.daily[0].date == "2023-10-01" and report.daily[-1].date == "2023-10-31"
    assert sum(d.chats for d in report.daily) == 11
    assert sum(d.question_turns for d in report.daily) == 10
    first, second, third = days["2023-10-01"], days["2023-10-02"], days["2023-10-03"]
    assert (first.chats, first.bot_only, first.question_turns, first.match_rate) == (1, 1, 1, 1.0)  # c01 at 00:01
    assert (second.chats, second.bot_only, second.question_turns, second.answered_turns, second.match_rate) == (
        2, 1, 3, 2, 0.6667)  # c02 + c03; 2 / 3
    assert (third.chats, third.handoffs, third.match_rate) == (2, 2, 0.3333)  # c04 + c05; 1 / 3
    assert (days["2023-10-08"].abandoned, days["2023-10-08"].match_rate) == (1, 0.0)
    assert (days["2023-10-10"].chats, days["2023-10-10"].match_rate) == (0, None)  # c12 is not a chat
    assert (days["2023-10-31"].chats, days["2023-10-31"].bot_only) == (1, 1)  # c11 at 23:30


def test_an_unreplied_case_turns_late_when_its_due_time_passes(db_path: Path) -> None:
    db = Database(f"sqlite:///{db_path}")
    try:
        later = db.read_sync(lambda conn: monthly_report(conn, MONTH, t("2023-11-04 00:00")))
    finally:
        db.close()
    finance = later.cases.by_agency[1]
    # the urgent case: reply due 11-01 20:00 and resolve due 11-03 20:00 both passed → late
    assert (finance.replied_late, finance.reply_pending, finance.points) == (3, 0, -20)  # 10 × (1 − 3)
    assert (finance.resolved_late, finance.resolve_pending) == (3, 0)


def test_an_empty_month_has_no_rates_rather_than_zero_percent(db_path: Path) -> None:
    db = Database(f"sqlite:///{db_path}")
    try:
        empty = db.read_sync(lambda conn: monthly_report(conn, "2023-08", now()))
    finally:
        db.close()
    assert empty.volume.chats == 0 and empty.volume.bot_only_rate is None
    assert empty.match.match_rate is None and empty.match.met is None
    assert empty.satisfaction.response_rate is None and empty.cases.by_agency == []
    assert len(empty.daily) == 31


def test_json_export_holds_the_same_figures(report: MonthlyReport) -> None:
    data = json.loads(render(report, "json"))
    assert data["volume"] == VOLUME
    assert data["satisfaction"]["satisfied_share"] == 0.6
    assert data["cases"]["by_agency"][1]["points"] == -10


def test_csv_export_is_section_metric_value_rows(report: MonthlyReport) -> None:
    text = render(report, "csv").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["section", "metric", "value"]
    values = {(s, m): v for s, m, v in table[1:]}
    assert values[("volume", "chats")] == "11"
    assert values[("volume", "bot_only_rate")] == "0.2727"
    assert values[("match", "match_rate")] == "0.5"
    assert values[("match", "met")] == "false"
    assert values[("waits", "within_7")] == "2" and values[("waits", "over_31")] == "1"
    assert values[("satisfaction", "response_rate")] == "0.8"
    assert values[("cases.by_agency", "財政部.points")] == "-10"
    assert values[("cases.by_agency", "內政部.compliance")] == "0.5"
    assert values[("quality.by_agent", "agent1.average_score")] == "70.0"
    assert values[("top_missed", "ATM-001.misses")] == "2"
    assert values[("daily", "2023-10-02.match_rate")] == "0.6667"
    assert values[("daily", "2023-10-10.match_rate")] == ""
    assert len(table) - 1 == len(rows(report))


def test_xlsx_export_has_a_sheet_per_section_with_charts(report: MonthlyReport, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "report.xlsx"
    path.write_bytes(render(report, "xlsx"))
    book = load_workbook(path)
    assert book.sheetnames == ["摘要", "每日", "等候時間", "滿意度", "後送案件", "未命中主題", "品質抽測"]
    summary = {(r[0], r[1]): r[3] for r in book["摘要"].iter_rows(min_row=3, values_only=True)}
    assert summary[("服務量", "chats")] == 11
    assert summary[("服務量", "bot_only")] == 3
    assert summary[("智能問答匹配", "match_rate")] == 0.5
    assert summary[("等候時間", "average_seconds")] == 18.42
    assert summary[("滿意度", "satisfied_share")] == 0.6
    assert summary[("後送案件", "points")] == 10
    assert summary[("品質抽測", "average_score")] == 73.33
    waits = list(book["等候時間"].iter_rows(min_row=2, values_only=True))
    assert waits == [("≤ 7 秒", 2), ("8–15 秒", 2), ("16–31 秒", 1), ("> 31 秒", 1)]
    agencies = list(book["後送案件"].iter_rows(values_only=True))
    assert agencies[0][:2] == ("承辦機關", "受理件數")
    assert [(r[0], r[1], r[6]) for r in agencies[1:]] == [("內政部", 2, 20), ("財政部", 4, -10)]
    daily = list(book["每日"].iter_rows(min_row=2, values_only=True))
    assert len(daily) == 31 and daily[1][:3] == ("2023-10-02", 2, 1)
    # native charts survive the round trip through the file (openpyxl reads them back)
    chart_count = sum(len(book[name]._charts) for name in book.sheetnames)
    assert chart_count == 5  # daily volume, daily match rate vs 85 %, waits, satisfaction, agency points


def test_cli_writes_each_format(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from handoff import settings
    from handoff.cli import main

    monkeypatch.setenv("HOTLINE_HOME", str(tmp_path))
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{db_path}")
    monkeypatch.setenv("HOTLINE_CLOCK", NOW)
    settings.get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(main, ["report", "--month", MONTH, "--format", "json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["volume"] == VOLUME and data["cases"]["points"] == 10  # HOTLINE_CLOCK is "now"
        result = runner.invoke(main, ["report", "--month", MONTH, "--format", "csv"])
        assert result.exit_code == 0 and "volume,chats,11\n" in result.output
        out = tmp_path / "out.xlsx"
        result = runner.invoke(main, ["report", "--month", MONTH, "--format", "xlsx", "--output", str(out)])
        assert result.exit_code == 0, result.output
        from openpyxl import load_workbook

        assert load_workbook(out)["摘要"]["D3"].value == 11  # the first figure: volume.chats
        bad = runner.invoke(main, ["report", "--month", "October", "--format", "json"])
        assert bad.exit_code != 0 and "YYYY-MM" in bad.output
        assert runner.invoke(main, ["report", "-h"]).exit_code == 0
    finally:
        settings.get_settings.cache_clear()


def test_every_figure_is_documented() -> None:
    """docs/reports.md names every field of every section (as datasette checks its settings)."""
    from handoff.reports.export import definitions

    doc = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    missing = [f"{section}.{figure['name']}" for section, figures in definitions().items() for figure in figures
               if not re.search(rf"`{re.escape(figure['name'])}`", doc)]
    assert not missing, f"document these figures in docs/reports.md: {missing}"


def test_csv_stdout_matches_the_download(report: MonthlyReport) -> None:
    assert render(report, "csv") == ("\ufeff" + to_csv(report)).encode("utf-8")


@pytest.mark.slow
def test_report_api_serves_json_and_downloads_to_supervisors_only(kb_project: Path) -> None:
    import httpx
    from openpyxl import load_workbook

    from tests.chat_client import login
    from tests.handoff.reports_seed import seeded_server_db
    from tests.servers import running_server

    db = seeded_server_db(kb_project, "reports-api")
    with running_server(kb_project, env={"HOTLINE_DATABASE_URL": f"sqlite:///{db}", "HOTLINE_CLOCK": NOW}) as url:
        boss = {"Authorization": f"Bearer {login(url, 'boss')}"}
        data = httpx.get(f"{url}/api/reports/monthly", params={"month": MONTH}, headers=boss).json()
        assert data["volume"] == VOLUME and data["match"] == MATCH and data["cases"]["points"] == 10
        assert data["top_missed"][0]["title"]  # ATM-001's question, from the served KB
        xlsx = httpx.get(f"{url}/api/reports/monthly/export", params={"month": MONTH, "format": "xlsx"}, headers=boss)
        assert xlsx.status_code == 200 and "hotline-report-2023-10.xlsx" in xlsx.headers["content-disposition"]
        path = kb_project / "var" / "reports-api.xlsx"
        path.write_bytes(xlsx.content)
        assert load_workbook(path)["摘要"]["D3"].value == 11
        csv_text = httpx.get(f"{url}/api/reports/monthly/export", params={"month": MONTH, "format": "csv"},
                             headers=boss).content.decode("utf-8-sig")
        assert "satisfaction,response_rate,0.8\n" in csv_text
        assert httpx.get(f"{url}/api/reports/definitions", headers=boss).json()["waits"][1]["name"] == "within_7"
        assert httpx.get(f"{url}/api/reports/monthly", params={"month": "2023-13"}, headers=boss).status_code == 422
        agent = {"Authorization": f"Bearer {login(url, 'agent1')}"}
        assert httpx.get(f"{url}/api/reports/monthly", params={"month": MONTH}, headers=agent).status_code == 403
        assert httpx.get(f"{url}/api/reports/monthly", params={"month": MONTH}).status_code == 401
