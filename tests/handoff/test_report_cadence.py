"""Day, week, month and year reports agree on a seeded period (October 2023 of reports_seed plus
November 2023 of the scoring seed, in one real SQLite file): every additive figure of a week is
the sum of its seven days', of a month the sum of its days', of the year the sum of its months';
rates are recomputed from the sums; the CLI and the period API answer the same."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from handoff.reports.figures import rate
from handoff.reports.monthly import MonthlyReport, period_report
from handoff.reports.periods import period, week_of
from handoff.storage.database import Database
from tests.handoff import test_scoring
from tests.handoff.reports_seed import NOW, now, seed_month

ADDITIVE = {
    "volume": ("chats", "bot_only", "handoffs", "agent_resolved", "abandoned", "abandoned_in_queue",
               "abandoned_with_agent", "callbacks", "callbacks_open"),
    "match": ("question_turns", "answered_turns", "misses", "person_requests"),
    "waits": ("answered", "within_7", "within_15", "within_31", "over_31"),
    "satisfaction": ("responses", "satisfied", "agent_closed", "agent_closed_responses", "score_1", "score_2",
                     "score_3", "score_4", "score_5"),
    "cases": ("received", "accepted", "replied_on_time", "replied_late", "reply_pending", "points",
              "resolved_on_time", "resolved_late", "escalated"),
    "quality": ("reviews",),
}


def totals(report: MonthlyReport) -> Counter[str]:
    out: Counter[str] = Counter()
    for section, names in ADDITIVE.items():
        for name in names:
            out[f"{section}.{name}"] += getattr(getattr(report, section), name)
    for row in report.scores:
        out[f"scores.{row.agency}"] += row.points
    for row in report.case_surveys:
        out[f"case_surveys.{row.agency}"] += row.responses
    out["special"] += len(report.special)
    out["comments"] += len(report.comments)
    return out


def summed(reports: list[MonthlyReport]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for report in reports:
        out.update(totals(report))
    return nonzero(out)


def nonzero(counts: Counter[str]) -> dict[str, int]:
    """Without the zero entries (a report lists every figure; a sum of reports only those it saw)."""
    return {key: value for key, value in counts.items() if value}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('cadence') / 'chat.db'}")
    database.write_sync(lambda c: (seed_month(c), test_scoring.seed(c)))
    yield database
    database.close()


def report(db: Database, kind: str, value: str) -> MonthlyReport:
    return db.read_sync(lambda c: period_report(c, period(kind, value), now()))


def days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


@pytest.mark.parametrize("week", ["2023-W40", "2023-W41", "2023-W44", "2023-W48"])
def test_a_week_is_the_sum_of_its_days(db: Database, week: str) -> None:
    span = period("week", week)
    whole = report(db, "week", week)
    parts = [report(db, "day", d) for d in days(span.first, span.last)]
    assert nonzero(totals(whole)) == summed(parts) and sum(totals(whole).values()) != 0
    assert [d.date for d in whole.daily] == days(span.first, span.last)
    assert [d.chats for d in whole.daily] == [p.volume.chats for p in parts]
    assert whole.match.match_rate == rate(whole.match.answered_turns, whole.match.question_turns)


def test_the_seeded_week_holds_what_the_seed_put_in_it(db: Database) -> None:
    w40 = report(db, "week", "2023-W40")  # 10-02 … 10-08: c02 … c10 (c01 is on Sunday 10-01, week 39)
    assert (w40.volume.chats, w40.match.person_requests, w40.volume.handoffs) == (9, 1, 7)
    assert week_of(date(2023, 10, 1)) == "2023-W39"


@pytest.mark.parametrize("month", ["2023-10", "2023-11"])
def test_a_month_is_the_sum_of_its_days(db: Database, month: str) -> None:
    span = period("month", month)
    assert nonzero(totals(report(db, "month", month))) == summed([report(db, "day", d) for d in days(span.first, span.last)])


def test_the_year_is_the_sum_of_its_months_and_ranks_the_agencies(db: Database) -> None:
    year = report(db, "year", "2023")
    months = [report(db, "month", f"2023-{m:02d}") for m in range(1, 13)]
    assert nonzero(totals(year)) == summed(months)
    assert year.volume.chats == 11 + 2  # October's 11 chats, x1 (2023-09-30) and x2 (2023-11-01)
    by_month = summed(months)
    assert {r.agency: r.points for r in year.ranking if r.points} == {
        key.removeprefix("scores."): value for key, value in by_month.items() if key.startswith("scores.")}
    assert [r.points for r in year.ranking] == sorted((r.points for r in year.ranking), reverse=True)
    assert year.ranking[0].prize == 8000 and len(year.daily) == 365


def test_the_cli_gives_every_cadence(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from handoff import settings
    from handoff.cli import main

    monkeypatch.setenv("HOTLINE_HOME", str(tmp_path))
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{db.engine.url.database}")
    monkeypatch.setenv("HOTLINE_CLOCK", NOW)
    settings.get_settings.cache_clear()
    try:
        runner = CliRunner()
        for flag, value in (("--day", "2023-10-03"), ("--week", "2023-W40"), ("--month", "2023-10"),
                            ("--year", "2023")):
            result = runner.invoke(main, ["report", flag, value])
            assert result.exit_code == 0, result.output
            data = json.loads(result.output)
            expected = report(db, flag[2:], value)
            assert (data["period"], data["month"], data["volume"]["chats"]) == (flag[2:], value, expected.volume.chats)
        both = runner.invoke(main, ["report", "--day", "2023-10-03", "--week", "2023-W40"])
        assert both.exit_code != 0 and "exactly one" in both.output
        bad = runner.invoke(main, ["report", "--week", "2023-41"])
        assert bad.exit_code != 0 and "YYYY-Www" in bad.output
    finally:
        settings.get_settings.cache_clear()
