"""The supervisor's report for a day, an ISO week, a month or a year, from the chat database.

``period_report(conn, period("week", "2023-W41"), now=...)`` (``monthly_report(conn, "2023-10", now)``
for a month) is pure: it reads through one SQLAlchemy connection and returns a
:class:`MonthlyReport` (the name is historical: it holds any period); the API, the CLI and the
exports all format that one object. Every cadence runs the same code over other bounds, so the
week's additive figures are the sums of its days' (tested).

Which rows belong to a period (Asia/Taipei days, [first day 00:00, day after the last 00:00)):

- conversations, and everything hanging off a conversation (waits, outcome, survey, quality
  review), by the conversation's ``created_at``; only conversations where the citizen said
  something (``citizen_turns`` ≥ 1) count as chats — opening the widget and leaving is not a chat;
- match rate and misses by the turn's ``created_at`` (as ``hotline match-rate``);
- callbacks by their ``created_at``;
- cases by ``accepted_at`` (the 24-hour clock starts at acceptance), received cases by ``received_at``.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, select

from bot.intents import ASK_HUMAN
from handoff.reports import extras, scoring
from handoff.reports.figures import (
    POINTS,
    RESOLVE_DAYS,
    TARGET,
    TIMEZONE,
    WAIT_BANDS,
    local_day,
    local_iso,
    mean,
    rate,
)
from handoff.reports.periods import Period, period
from handoff.reports.sections import (
    CHECKLIST,
    SECTIONS,
    AgencyRow,
    Cases,
    Day,
    MatchRate,
    MonthlyReport,
    Quality,
    QualityAgentRow,
    Satisfaction,
    Topic,
    Volume,
    Waits,
)
from handoff.storage.schema import callbacks, cases, conversations, quality_reviews, surveys, turns

__all__ = ["CHECKLIST", "SECTIONS", "MonthlyReport", "monthly_report", "period_report"]

def _in(column: Any, start: float, end: float) -> Any:
    return and_(column >= start, column < end)


def _chats(conn: Connection, start: float, end: float) -> list[dict[str, Any]]:
    query = select(conversations.c.id, conversations.c.created_at, conversations.c.queued_at,
                   conversations.c.assigned_at, conversations.c.closed_at, conversations.c.agent,
                   conversations.c.outcome, conversations.c.answered_turns, conversations.c.wait_seconds
                   ).where(_in(conversations.c.created_at, start, end), conversations.c.citizen_turns >= 1)
    return [dict(r._mapping) for r in conn.execute(query)]


def _is_bot_only(chat: dict[str, Any]) -> bool:
    return chat["queued_at"] is None and (chat["answered_turns"] or 0) >= 1


def _volume(chats: list[dict[str, Any]], callback_rows: Sequence[Any]) -> Volume:
    handoffs = [c for c in chats if c["queued_at"] is not None]
    abandoned = [c for c in chats if c["outcome"] == "abandoned"]
    in_queue = sum(1 for c in abandoned if c["assigned_at"] is None)
    bot_only = sum(1 for c in chats if _is_bot_only(c))
    return Volume(chats=len(chats), bot_only=bot_only, bot_only_rate=rate(bot_only, len(chats)),
                  handoffs=len(handoffs), handoff_rate=rate(len(handoffs), len(chats)),
                  agent_resolved=sum(1 for c in chats if c["outcome"] == "agent_resolved"),
                  abandoned=len(abandoned), abandoned_in_queue=in_queue,
                  abandoned_with_agent=len(abandoned) - in_queue,
                  abandonment_rate=rate(len(abandoned), len(handoffs)),
                  callbacks=len(callback_rows), callbacks_open=sum(1 for r in callback_rows if r.status == "open"))


def _waits(chats: list[dict[str, Any]]) -> Waits:
    waits = [float(c["wait_seconds"]) for c in chats if c["assigned_at"] is not None and c["wait_seconds"] is not None]
    best, good, worst = WAIT_BANDS
    bands = Counter(0 if w <= best else 1 if w <= good else 2 if w <= worst else 3 for w in waits)
    return Waits(answered=len(waits), within_7=bands[0], within_15=bands[1], within_31=bands[2], over_31=bands[3],
                 share_within_7=rate(bands[0], len(waits)), share_within_15=rate(bands[0] + bands[1], len(waits)),
                 share_over_31=rate(bands[3], len(waits)), average_seconds=mean(waits),
                 max_seconds=round(max(waits), 2) if waits else None)


def _satisfaction(chats: list[dict[str, Any]], scores: dict[str, int]) -> Satisfaction:
    values = list(scores.values())
    counts = Counter(values)
    satisfied = counts[4] + counts[5]
    share = rate(satisfied, len(values))
    closed = [c["id"] for c in chats if c["outcome"] == "agent_resolved"]
    answered = sum(1 for cid in closed if cid in scores)
    return Satisfaction(responses=len(values), average_score=mean([float(v) for v in values]), satisfied=satisfied,
                        satisfied_share=share, target=TARGET, met=None if share is None else share >= TARGET,
                        agent_closed=len(closed), agent_closed_responses=answered,
                        response_rate=rate(answered, len(closed)), score_1=counts[1], score_2=counts[2],
                        score_3=counts[3], score_4=counts[4], score_5=counts[5])


def _agency_row(agency: str, rows: list[Any], now: float, surveyed: dict[int, tuple[int, bool]]) -> AgencyRow:
    """Deadlines come from the case (reply_due_at, resolve_due_at); when a row lacks them they are
    derived from accepted_at with the seed's rules, so older rows are still judged."""
    counts: Counter[str] = Counter()
    for r in rows:
        resolve_due = r.resolve_due_at or r.accepted_at + RESOLVE_DAYS.get(r.urgency, 7) * 86400
        outcome = scoring.response_outcome(r, surveyed.get(r.id, (None, False))[0], now)
        counts["replied_on_time" if outcome > 0 else "replied_late" if outcome < 0 else "reply_pending"] += 1
        if r.closed_at is not None:
            counts["resolved_on_time" if r.closed_at <= resolve_due else "resolved_late"] += 1
        else:
            counts["resolved_late" if now > resolve_due else "resolve_pending"] += 1
    on_time, late = counts["replied_on_time"], counts["replied_late"]
    return AgencyRow(agency=agency, accepted=len(rows), urgent=sum(1 for r in rows if r.urgency == "urgent"),
                     replied_on_time=on_time, replied_late=late, reply_pending=counts["reply_pending"],
                     points=POINTS * (on_time - late), resolved_on_time=counts["resolved_on_time"],
                     resolved_late=counts["resolved_late"], resolve_pending=counts["resolve_pending"],
                     compliance=rate(counts["resolved_on_time"], counts["resolved_on_time"] + counts["resolved_late"]),
                     reminders=sum(r.reminders or 0 for r in rows),
                     escalated=sum(1 for r in rows if r.escalated_at is not None))


def _cases(conn: Connection, start: float, end: float, now: float) -> Cases:
    received = len(conn.execute(select(cases.c.id).where(_in(cases.c.received_at, start, end))).all())
    rows = conn.execute(select(cases).where(cases.c.accepted_at.is_not(None),
                                            _in(cases.c.accepted_at, start, end))).all()
    grouped: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        grouped[r.agency].append(r)
    surveyed = extras.case_scores(conn)
    by_agency = [_agency_row(agency, grouped[agency], now, surveyed) for agency in sorted(grouped)]
    total = {name: sum(getattr(a, name) for a in by_agency)
             for name in ("replied_on_time", "replied_late", "reply_pending", "points", "resolved_on_time",
                          "resolved_late", "escalated")}
    return Cases(received=received, accepted=len(rows), **total,
                 compliance=rate(total["resolved_on_time"], total["resolved_on_time"] + total["resolved_late"]),
                 by_agency=by_agency)


def _topics(turn_rows: Sequence[Any], titles: Callable[[str], str | None], limit: int) -> list[Topic]:
    counts: Counter[str] = Counter()
    latest: dict[str, tuple[float, str]] = {}
    for r in turn_rows:
        if not (r.question and r.miss) or _person_request(r):
            continue
        topic = r.label or r.suggested_label or r.intent or "（未知）"
        counts[topic] += 1
        if topic not in latest or r.created_at >= latest[topic][0]:
            latest[topic] = (r.created_at, r.text_masked)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [Topic(topic=t, title=titles(t) or "", misses=n, example=latest[t][1]) for t, n in ranked]


def _quality(chats: list[dict[str, Any]], reviews: Sequence[Any]) -> Quality:
    closed = Counter(c["agent"] for c in chats if c["outcome"] == "agent_resolved" and c["agent"])
    per_agent: dict[str, list[Any]] = defaultdict(list)
    for r in reviews:
        per_agent[r.agent].append(r)
    rows = []
    for agent in sorted(set(closed) | set(per_agent)):
        mine = per_agent.get(agent, [])
        rows.append(QualityAgentRow(agent=agent, closed_chats=closed.get(agent, 0), reviews=len(mine),
                                    average_score=mean([float(r.score) for r in mine]),
                                    **{item: sum(1 for r in mine if getattr(r, item)) for item in CHECKLIST}))
    n = len(reviews)
    return Quality(reviews=n, average_score=mean([float(r.score) for r in reviews]),
                   **{f"{item}_share": rate(sum(1 for r in reviews if getattr(r, item)), n) for item in CHECKLIST},
                   by_agent=rows)


def _person_request(turn: Any) -> bool:
    """A typed request for a person (the miss log's rule): not a question, not a miss."""
    return turn.intent == ASK_HUMAN and turn.fallback_reason is None and not (turn.text_masked or "").startswith("/")


def _daily(days_of: Sequence[Any], chats: list[dict[str, Any]], turn_rows: Sequence[Any], timezone: str) -> list[Day]:
    days: dict[str, Counter[str]] = {day.isoformat(): Counter() for day in days_of}
    for c in chats:
        counter = days[local_day(c["created_at"], timezone)]
        counter["chats"] += 1
        counter["bot_only"] += _is_bot_only(c)
        counter["handoffs"] += c["queued_at"] is not None
        counter["abandoned"] += c["outcome"] == "abandoned"
    for r in turn_rows:
        if r.question:
            counter = days[local_day(r.created_at, timezone)]
            counter["question_turns"] += 1
            counter["answered_turns"] += bool(r.answered)
    return [Day(date=d, chats=k["chats"], bot_only=k["bot_only"], handoffs=k["handoffs"], abandoned=k["abandoned"],
                question_turns=k["question_turns"], answered_turns=k["answered_turns"],
                match_rate=rate(k["answered_turns"], k["question_turns"])) for d, k in days.items()]


def monthly_report(conn: Connection, month: str, now: float, titles: Callable[[str], str | None] | None = None,
                   timezone: str = TIMEZONE, top_topics: int = 10) -> MonthlyReport:
    """Every figure of ``month`` (``YYYY-MM``); see :func:`period_report`."""
    return period_report(conn, period("month", month, timezone), now, titles, timezone, top_topics)


def period_report(conn: Connection, span: Period, now: float, titles: Callable[[str], str | None] | None = None,
                  timezone: str = TIMEZONE, top_topics: int = 10) -> MonthlyReport:
    """Every figure of ``span`` (a day, week, month or year). ``now`` (epoch seconds) decides whether
    an unreplied case is late yet; ``titles`` maps a KB id to its question for the missed-topics table."""
    start, end = span.start, span.end
    chats = _chats(conn, start, end)
    in_month = select(conversations.c.id).where(_in(conversations.c.created_at, start, end),
                                                conversations.c.citizen_turns >= 1)
    scores = {r.conversation_id: int(r.score) for r in conn.execute(
        select(surveys.c.conversation_id, surveys.c.score).where(surveys.c.conversation_id.in_(in_month)))}
    reviews = conn.execute(select(quality_reviews).where(quality_reviews.c.conversation_id.in_(in_month))).all()
    callback_rows = conn.execute(select(callbacks.c.id, callbacks.c.status)
                                 .where(_in(callbacks.c.created_at, start, end))).all()
    turn_rows = conn.execute(select(turns.c.created_at, turns.c.question, turns.c.answered, turns.c.miss,
                                    turns.c.label, turns.c.suggested_label, turns.c.intent, turns.c.text_masked,
                                    turns.c.fallback_reason)
                             .where(_in(turns.c.created_at, start, end))).all()
    questions = [r for r in turn_rows if r.question]
    answered = sum(1 for r in questions if r.answered)
    match = rate(answered, len(questions))
    score_rows = extras.scores(conn, start, end, now)
    return MonthlyReport(
        month=span.label, period=span.kind, timezone=timezone, start=local_iso(start, timezone) or "", end=local_iso(end, timezone) or "",
        generated_at=local_iso(now, timezone) or "",
        volume=_volume(chats, callback_rows),
        match=MatchRate(question_turns=len(questions), answered_turns=answered, match_rate=match, target=TARGET,
                        met=None if match is None else match >= TARGET,
                        misses=sum(1 for r in questions if r.miss and not _person_request(r)),
                        person_requests=sum(1 for r in turn_rows if _person_request(r))),
        waits=_waits(chats), satisfaction=_satisfaction(chats, scores), cases=_cases(conn, start, end, now),
        top_missed=_topics(turn_rows, titles or (lambda _id: None), top_topics),
        quality=_quality(chats, reviews), daily=_daily(span.days(), chats, turn_rows, timezone),
        case_surveys=extras.case_survey_rows(conn, start, end), special=extras.special_cases(conn, start, end, timezone),
        comments=extras.comments(conn, start, end, timezone), scores=score_rows, ranking=scoring.ranking(score_rows))
