"""Agency points exactly as seed 004 defines them (陸、獎懲 二、團體部分 (一) 設置機關獎), and the
year-end ranking of (二). Each rule is declared once in :data:`RULES` (id, seed clause, points,
definition); docs/reports.md prints the same table and a test fails when they disagree.

Words of the seed and what they are here:

- 通報機關 (the agency that took the citizen's call and notified the handling agency):
  ``cases.reporting_agency`` (a case recorded from another agency's call); for spot checks
  ``spot_checks.reporting_agency`` (受話人員機關).
- 承辦機關 (the handling agency): ``cases.agency`` / ``spot_checks.agency``.
- 「依規於24小時內回應」: the reply to the citizen by ``reply_due_at`` (acceptance + 24 h, the
  case's own deadline, ``handoff/cases/deadlines.py``); for a spot check, ``replied_at`` within 24 h
  of the tester's call (``called_at``, 表3 發話時間).
- 「經滿意度調查，民眾未表示不滿意」: no survey score of 1 (非常不滿意) or 2 (不滿意). A case whose
  citizen has not answered a survey has expressed no dissatisfaction and is judged on time alone
  (the survey is the 通報機關's duty, not the handling agency's); a score of 1–2 makes it −10.
- 「依規通報…並做後續追蹤及滿意度調查」: the case was dispatched (通報) and its satisfaction survey
  was taken and forwarded to the handling agency (``case_surveys.forwarded_at``, 表1 轉知承辦機關);
  decided when the case is closed — closed without a forwarded survey is −10. For a spot check:
  the tester received the 通報機關's follow-up survey (``survey_at``, 表3).

Which period a point belongs to: R1 by ``dispatched_at`` (the notification), R2 by ``accepted_at``
(the 24-hour clock starts there, as the monthly report counts cases), R3/R4 by ``called_at``.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from handoff.reports.figures import figure

DAY_SECONDS = 86400.0
REPLY_SECONDS = 24 * 3600.0
DISSATISFIED = (1, 2)
PRIZES = (8000, 6000, 4000)
"""陸、二、(二): 年底統計成績，選出機關獎前三名 — 新臺幣八千元、六千元、四千元之等值獎品."""


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    points: int
    label: str
    definition: str


RULES: tuple[Rule, ...] = (
    Rule("report", "陸、二、(一)1", 10, "通報",
         "Per case a reporting agency (通報機關) notified: +10 to it when the case was dispatched and its "
         "satisfaction survey was taken and forwarded to the handling agency; −10 when the case closed without "
         "one; nothing while the case is open without one."),
    Rule("response", "陸、二、(一)2", 10, "回應",
         "Per case the handling agency accepted: +10 when it replied to the citizen by reply_due_at (acceptance "
         "+ 24 h) and no survey scored it 1–2; −10 when it replied late, has not replied and the due time has "
         "passed, or a survey scored it 1–2; nothing while the due time has not come."),
    Rule("spot_report", "陸、二、(一)3(1)", 5, "抽測通報",
         "Per spot check (表3) with a reporting agency: +5 to it when the tester received its follow-up "
         "satisfaction survey, −5 when not."),
    Rule("spot_response", "陸、二、(一)3(2)", 5, "抽測回應",
         "Per spot check: +5 to the handling agency when it replied within 24 h of the tester's call and the "
         "tester's score is not 1–2, −5 otherwise."),
)
BY_ID = {rule.id: rule for rule in RULES}


@dataclasses.dataclass
class ScoreRow:
    agency: str = figure("機關", "The agency scored (as handling or reporting agency).")
    report_plus: int = figure("通報 +", "Cases scored +10 under rule report (陸、二、(一)1).")
    report_minus: int = figure("通報 −", "Cases scored −10 under rule report.")
    response_plus: int = figure("回應 +", "Cases scored +10 under rule response (陸、二、(一)2).")
    response_minus: int = figure("回應 −", "Cases scored −10 under rule response.")
    response_pending: int = figure("回應待定", "Accepted cases not yet replied whose reply due time has not come.")
    spot_report_plus: int = figure("抽測通報 +", "Spot checks scored +5 under rule spot_report (陸、二、(一)3(1)).")
    spot_report_minus: int = figure("抽測通報 −", "Spot checks scored −5 under rule spot_report.")
    spot_response_plus: int = figure("抽測回應 +", "Spot checks scored +5 under rule spot_response (陸、二、(一)3(2)).")
    spot_response_minus: int = figure("抽測回應 −", "Spot checks scored −5 under rule spot_response.")
    points: int = figure("總分", "Sum of every rule's points: 10 × (report and response ±) + 5 × (spot checks ±).")


@dataclasses.dataclass
class RankRow:
    rank: int = figure("名次", "1 + the number of agencies with more points (ties share a rank).")
    agency: str = figure("機關", "The agency.")
    points: int = figure("總分", "The year's points under every rule (the score table's points).")
    prize: int | None = figure("獎品（新臺幣）", "陸、二、(二): rank 1 → 8,000, 2 → 6,000, 3 → 4,000 (equivalent goods).")


def response_outcome(case: Any, score: int | None, now: float) -> int:
    """Rule response for one accepted case: +1, −1 or 0 (pending)."""
    due = case.reply_due_at or case.accepted_at + REPLY_SECONDS
    if case.replied_at is None:
        return -1 if now > due else 0
    if case.replied_at > due or score in DISSATISFIED:
        return -1
    return 1


def report_outcome(case: Any, forwarded: bool) -> int:
    """Rule report for one case a reporting agency notified: +1, −1 or 0 (open, survey not yet taken)."""
    if forwarded:
        return 1
    return -1 if case.closed_at is not None else 0


def spot_outcomes(check: Any) -> tuple[int | None, int]:
    """Rules spot_report (None without a reporting agency) and spot_response for one spot check."""
    report = None if not check.reporting_agency else (1 if check.survey_at is not None else -1)
    on_time = check.replied_at is not None and check.replied_at - check.called_at <= REPLY_SECONDS
    return report, 1 if on_time and check.score not in DISSATISFIED else -1


def score(dispatched: Iterable[Any], accepted: Iterable[Any], checks: Iterable[Any],
          surveys: dict[int, tuple[int, bool]], now: float) -> list[ScoreRow]:
    """Every agency's points. ``dispatched``: case rows dispatched in the period (for rule report);
    ``accepted``: case rows accepted in the period (rule response); ``checks``: spot checks of the
    period; ``surveys``: case id → (score, forwarded)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in dispatched:
        if case.reporting_agency:
            outcome = report_outcome(case, surveys.get(case.id, (0, False))[1])
            if outcome:
                counts[case.reporting_agency]["report_plus" if outcome > 0 else "report_minus"] += 1
    for case in accepted:
        outcome = response_outcome(case, surveys.get(case.id, (None, False))[0], now)
        key = "response_plus" if outcome > 0 else "response_minus" if outcome < 0 else "response_pending"
        counts[case.agency][key] += 1
    for check in checks:
        report, response = spot_outcomes(check)
        if report is not None:
            counts[check.reporting_agency]["spot_report_plus" if report > 0 else "spot_report_minus"] += 1
        counts[check.agency]["spot_response_plus" if response > 0 else "spot_response_minus"] += 1
    rows = []
    for agency in sorted(counts):
        c = counts[agency]
        points = (BY_ID["report"].points * (c["report_plus"] - c["report_minus"])
                  + BY_ID["response"].points * (c["response_plus"] - c["response_minus"])
                  + BY_ID["spot_report"].points * (c["spot_report_plus"] - c["spot_report_minus"])
                  + BY_ID["spot_response"].points * (c["spot_response_plus"] - c["spot_response_minus"]))
        rows.append(ScoreRow(agency=agency, points=points, **{k: c[k] for k in (
            "report_plus", "report_minus", "response_plus", "response_minus", "response_pending", "spot_report_plus",
            "spot_report_minus", "spot_response_plus", "spot_response_minus")}))
    return rows


def ranking(rows: Iterable[ScoreRow]) -> list[RankRow]:
    """陸、二、(二): the agencies by points, ties sharing a rank; prizes for ranks 1–3."""
    ordered = sorted(rows, key=lambda r: (-r.points, r.agency))
    out = []
    for row in ordered:
        rank = 1 + sum(1 for other in ordered if other.points > row.points)
        out.append(RankRow(rank=rank, agency=row.agency, points=row.points,
                           prize=PRIZES[rank - 1] if rank <= len(PRIZES) else None))
    return out
