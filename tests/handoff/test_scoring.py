"""Agency points as seed 004 陸、二 defines them, on a seeded November 2023 in a real SQLite file:
one case or spot check per outcome of every rule (each handling agency has exactly one scenario,
so its row shows that rule's points alone), the sum, the year-end ranking with ties and prizes,
and the rules table of docs/reports.md equal to the code's."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, insert

from handoff.reports.monthly import MonthlyReport, period_report
from handoff.reports.periods import period
from handoff.reports.scoring import RULES
from handoff.storage.database import Database
from handoff.storage.schema import case_surveys, cases, spot_checks
from tests.handoff.reports_seed import t

ROOT = Path(__file__).resolve().parents[2]
NOW = t("2023-12-01 12:00")
H = 3600.0


def _case(c: Connection, number: str, agency: str, *, dispatched: str, accepted: str | None = None,
          replied: str | None = None, closed: str | None = None, reporting: str | None = None,
          survey: int | None = None, forwarded: bool = True) -> None:
    accepted_at = t(accepted) if accepted else None
    status = "closed" if closed else "replied" if replied else "accepted" if accepted else "dispatched"
    case_id = c.execute(insert(cases).values(
        number=number, status=status, urgency="normal", receiver="agent1", received_at=t(dispatched) - H,
        citizen_name="王小明", citizen_contact="0912000000", consent=True, summary="人事時地物", agency=agency,
        dispatched_at=t(dispatched), accepted_at=accepted_at, reply_due_at=accepted_at + 24 * H if accepted_at else None,
        resolve_due_at=accepted_at + 7 * 24 * H if accepted_at else None, replied_at=t(replied) if replied else None,
        closed_at=t(closed) if closed else None, general_answer=False, reminders=0, reporting_agency=reporting,
        created_at=t(dispatched), updated_at=t(dispatched))).inserted_primary_key[0]
    if survey is not None:
        at = t(replied or dispatched) + H
        c.execute(insert(case_surveys).values(case_id=case_id, score=survey, source="staff", recorded_by="boss",
                                              created_at=at, forwarded_at=at if forwarded else None))


def _spot(c: Connection, agency: str, called: str, *, reporting: str | None = None, replied: str | None = None,
          survey: str | None = None, score: int | None = None) -> None:
    c.execute(insert(spot_checks).values(
        tester="志工甲", called_at=t(called), reporting_agency=reporting, agency=agency,
        replied_at=t(replied) if replied else None, survey_at=t(survey) if survey else None, score=score,
        recorded_by="boss", created_at=t(called)))


def seed(c: Connection) -> None:
    # rule response (陸、二、(一)2), one handling agency per outcome
    _case(c, "1121102-0001", "財政部", dispatched="2023-11-02 09:00", accepted="2023-11-02 10:00",
          replied="2023-11-02 20:00")                                   # on time, no survey → +10
    _case(c, "1121103-0001", "內政部", dispatched="2023-11-03 09:00", accepted="2023-11-03 10:00",
          replied="2023-11-03 12:00", survey=3)                         # on time, 普通 → +10
    _case(c, "1121104-0001", "交通部", dispatched="2023-11-04 09:00", accepted="2023-11-04 10:00",
          replied="2023-11-04 12:00", survey=2)                         # on time but 不滿意 → −10
    _case(c, "1121105-0001", "勞動部", dispatched="2023-11-05 09:00", accepted="2023-11-05 10:00",
          replied="2023-11-06 10:00:01")                                # one second late → −10
    _case(c, "1121106-0001", "衛生福利部", dispatched="2023-11-06 09:00", accepted="2023-11-06 10:00")
    #                                                                   never replied, due passed → −10
    _case(c, "1121130-0001", "外交部", dispatched="2023-11-30 19:00", accepted="2023-11-30 20:00")
    #                                                                   due 12-01 20:00, after NOW → pending
    # rule report (陸、二、(一)1): the reporting agency; handled by 法務部 (on time each: +30 to 法務部)
    _case(c, "1121107-0001", "法務部", dispatched="2023-11-07 09:00", accepted="2023-11-07 10:00",
          replied="2023-11-07 11:00", closed="2023-11-08 10:00", reporting="經濟部", survey=5)   # → 經濟部 +10
    _case(c, "1121108-0001", "法務部", dispatched="2023-11-08 09:00", accepted="2023-11-08 10:00",
          replied="2023-11-08 11:00", closed="2023-11-09 10:00", reporting="原住民族委員會")       # → −10
    _case(c, "1121109-0001", "法務部", dispatched="2023-11-09 09:00", accepted="2023-11-09 10:00",
          replied="2023-11-09 11:00", reporting="國家發展委員會")                              # open → 0
    # spot checks (陸、二、(一)3): ±5
    _spot(c, "金融監督管理委員會", "2023-11-15 10:00", reporting="數位發展部", replied="2023-11-15 18:00",
          survey="2023-11-16 10:00", score=4)              # 數位發展部 +5, 金管會 +5
    _spot(c, "行政院農業委員會", "2023-11-16 10:00", reporting="關貿網路股份有限公司", replied="2023-11-17 10:00:01",
          score=5)                                         # no survey: 關貿 −5; late: 農委會 −5
    _spot(c, "行政院新聞傳播處", "2023-11-17 10:00", replied="2023-11-17 11:00", score=1)  # 非常不滿意: −5
    _spot(c, "經濟部", "2023-10-31 23:59", replied="2023-11-01 00:10", score=5)  # October: not November's


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('scoring') / 'chat.db'}")
    database.write_sync(seed)
    yield database
    database.close()


@pytest.fixture(scope="module")
def november(db: Database) -> MonthlyReport:
    return db.read_sync(lambda c: period_report(c, period("month", "2023-11"), NOW))


def row(report: MonthlyReport, agency: str) -> dict[str, Any]:
    return next(r.__dict__ for r in report.scores if r.agency == agency)


@pytest.mark.parametrize(("agency", "column", "points"), [
    ("財政部", "response_plus", 10), ("內政部", "response_plus", 10), ("交通部", "response_minus", -10),
    ("勞動部", "response_minus", -10), ("衛生福利部", "response_minus", -10), ("外交部", "response_pending", 0),
])
def test_rule_response_on_time_and_not_dissatisfied(november: MonthlyReport, agency: str, column: str,
                                                   points: int) -> None:
    scored = row(november, agency)
    assert scored[column] == 1 and scored["points"] == points


@pytest.mark.parametrize(("agency", "column", "points"), [
    ("經濟部", "report_plus", 10), ("原住民族委員會", "report_minus", -10)])
def test_rule_report_notified_with_follow_up_survey(november: MonthlyReport, agency: str, column: str,
                                                    points: int) -> None:
    scored = row(november, agency)
    assert scored[column] == 1 and scored["points"] == points


def test_rule_report_is_pending_while_the_case_is_open(november: MonthlyReport) -> None:
    assert "國家發展委員會" not in [r.agency for r in november.scores]  # open, no survey yet: no points
    assert row(november, "法務部")["response_plus"] == 3 and row(november, "法務部")["points"] == 30


@pytest.mark.parametrize(("agency", "column", "points"), [
    ("數位發展部", "spot_report_plus", 5), ("關貿網路股份有限公司", "spot_report_minus", -5)])
def test_rule_spot_report(november: MonthlyReport, agency: str, column: str, points: int) -> None:
    scored = row(november, agency)
    assert scored[column] == 1 and scored["points"] == points


@pytest.mark.parametrize(("agency", "column", "points"), [
    ("金融監督管理委員會", "spot_response_plus", 5), ("行政院農業委員會", "spot_response_minus", -5),
    ("行政院新聞傳播處", "spot_response_minus", -5)])
def test_rule_spot_response(november: MonthlyReport, agency: str, column: str, points: int) -> None:
    scored = row(november, agency)
    assert scored[column] == 1 and scored["points"] == points


def test_a_spot_check_counts_in_the_month_of_the_call(november: MonthlyReport, db: Database) -> None:
    assert row(november, "經濟部")["spot_response_plus"] == 0  # its spot check was on 10-31
    october = db.read_sync(lambda c: period_report(c, period("month", "2023-10"), NOW))
    assert [(r.agency, r.points) for r in october.scores] == [("經濟部", 5)]


def test_the_case_table_points_are_the_response_rule(november: MonthlyReport) -> None:
    by_agency = {a.agency: a.points for a in november.cases.by_agency}
    assert by_agency["交通部"] == -10 and by_agency["內政部"] == 10 and by_agency["法務部"] == 30


def test_the_year_end_ranking_shares_ranks_on_ties_and_gives_three_prizes(db: Database) -> None:
    year = db.read_sync(lambda c: period_report(c, period("year", "2023"), NOW))
    ranking = [(r.rank, r.agency, r.points, r.prize) for r in year.ranking]
    # 經濟部: +10 (report, November) + 5 (its October spot check) = 15; 內政部 and 財政部 tie for third
    assert ranking[:6] == [(1, "法務部", 30, 8000), (2, "經濟部", 15, 6000), (3, "內政部", 10, 4000),
                           (3, "財政部", 10, 4000), (5, "數位發展部", 5, None), (5, "金融監督管理委員會", 5, None)]
    assert ranking[-4:] == [(11, name, -10, None) for name in ("交通部", "勞動部", "原住民族委員會", "衛生福利部")]
    assert sum(r.points for r in year.scores) == 30 + 15 + 10 + 10 + 5 + 5 + 0 - 5 - 5 - 5 - 10 - 10 - 10 - 10


def test_docs_list_every_rule_exactly_as_the_code() -> None:
    doc = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    for rule in RULES:
        line = f"| `{rule.id}` | {rule.clause} | {rule.label} | ±{rule.points} | {rule.definition} |"
        assert doc.count(line) == 1, f"docs/reports.md must list rule {rule.id} once, as in scoring.RULES"
