"""The sections of the supervisor's report: one dataclass per section, each field a documented
figure (``figures.figure``: the label people read and its definition), and ``MonthlyReport``, which
holds them for any period. ``monthly.py`` computes them; the API, the CLI and the exports format them.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from handoff.reports import extras, scoring
from handoff.reports.figures import figure

CHECKLIST = ("greeting", "confirmed_need", "anything_else", "thanks", "correct_answer")
"""The seed's etiquette checklist, in the order of a call: greeting, confirming the need,
「還有其他問題需要為您服務嗎？」, thanks, a correct answer."""


@dataclasses.dataclass
class Volume:
    chats: int = figure("對話數", "Conversations created in the month in which the citizen sent at least one message.")
    bot_only: int = figure("機器人獨立解決", "Chats never handed to the agent queue in which the bot gave at least "
                                      "one knowledge-base answer.")
    bot_only_rate: float | None = figure("機器人獨立解決率", "bot_only ÷ chats.")
    handoffs: int = figure("轉真人", "Chats handed to the agent queue (queued_at set).")
    handoff_rate: float | None = figure("轉真人比率", "handoffs ÷ chats.")
    agent_resolved: int = figure("真人結案", "Chats an agent closed with a wrap-up (outcome agent_resolved).")
    abandoned: int = figure("放棄", "Handed-off chats the citizen left before an agent closed them "
                                  "(outcome abandoned).")
    abandoned_in_queue: int = figure("排隊中放棄", "Abandoned chats no agent had accepted yet.")
    abandoned_with_agent: int = figure("接通後放棄", "Abandoned chats an agent had accepted.")
    abandonment_rate: float | None = figure("放棄率", "abandoned ÷ handoffs.")
    callbacks: int = figure("回電需求", "Callback requests recorded in the month (by their own time).")
    callbacks_open: int = figure("回電待處理", "Those callback requests still in status open.")


@dataclasses.dataclass
class MatchRate:
    question_turns: int = figure("提問數", "Citizen turns the bot handled that are questions: not chit-chat, "
                                        "not a button press, not empty (the miss log's question flag).")
    answered_turns: int = figure("成功回答數", "Question turns the bot answered with a knowledge-base entry.")
    match_rate: float | None = figure("智能問答匹配成功率", "answered_turns ÷ question_turns.")
    target: float = figure("合約標準", "The contract's minimum match rate, 85 %.")
    met: bool | None = figure("達標", "match_rate ≥ target (none when there were no questions).")
    misses: int = figure("未命中", "Question turns logged as misses (fallback, handoff, 👎, ignored suggestions).")
    person_requests: int = figure("要求真人", "Typed turns asking for a person (intent ask_human, not a fallback): "
                                          "not questions and not misses, counted apart.")


@dataclasses.dataclass
class Waits:
    answered: int = figure("接通數", "Handed-off chats an agent accepted; their queue wait is wait_seconds.")
    within_7: int = figure("7 秒內接通", "Answered chats that waited ≤ 7 s (the seed's best answer speed).")
    within_15: int = figure("8–15 秒接通", "Answered chats that waited more than 7 s and ≤ 15 s (second best).")
    within_31: int = figure("16–31 秒接通", "Answered chats that waited more than 15 s and ≤ 31 s.")
    over_31: int = figure("超過 31 秒接通", "Answered chats that waited more than 31 s (the seed's worst).")
    share_within_7: float | None = figure("7 秒內接通比率", "within_7 ÷ answered.")
    share_within_15: float | None = figure("15 秒內接通比率", "(within_7 + within_15) ÷ answered (cumulative).")
    share_over_31: float | None = figure("超過 31 秒比率", "over_31 ÷ answered.")
    average_seconds: float | None = figure("平均等候秒數", "Mean wait_seconds of answered chats.")
    max_seconds: float | None = figure("最長等候秒數", "Longest wait_seconds of answered chats.")


@dataclasses.dataclass
class Satisfaction:
    responses: int = figure("問卷回覆", "Surveys answered for the month's chats (bot or agent chats).")
    average_score: float | None = figure("平均分數", "Mean survey score, 1 (非常不滿意) to 5 (非常滿意).")
    satisfied: int = figure("滿意回覆", "Surveys scored 4 or 5.")
    satisfied_share: float | None = figure("滿意度", "satisfied ÷ responses, judged against the 85 % target.")
    target: float = figure("合約標準", "The 85 % target for satisfied_share.")
    met: bool | None = figure("達標", "satisfied_share ≥ target (none without responses).")
    agent_closed: int = figure("真人結案", "Chats an agent closed (outcome agent_resolved): each is offered "
                                         "the survey.")
    agent_closed_responses: int = figure("真人結案問卷回覆", "Agent-closed chats with a survey.")
    response_rate: float | None = figure("問卷回覆率", "agent_closed_responses ÷ agent_closed.")
    score_1: int = figure("1 分", "Surveys scored 1 (非常不滿意).")
    score_2: int = figure("2 分", "Surveys scored 2.")
    score_3: int = figure("3 分", "Surveys scored 3.")
    score_4: int = figure("4 分", "Surveys scored 4.")
    score_5: int = figure("5 分", "Surveys scored 5 (非常滿意).")


@dataclasses.dataclass
class AgencyRow:
    agency: str = figure("承辦機關", "The agency the case is with.")
    accepted: int = figure("受理件數", "Cases the agency accepted in the month.")
    urgent: int = figure("急件", "Of those, cases marked urgent.")
    replied_on_time: int = figure("24 小時內回覆", "Replied to the citizen by reply_due_at (accepted_at + 24 h).")
    replied_late: int = figure("逾時回覆", "Replied after reply_due_at, or still unreplied when it has passed.")
    reply_pending: int = figure("回覆期限未到", "Unreplied and reply_due_at not reached yet.")
    points: int = figure("機關得分", "Rule response (陸、二、(一)2): +10 per case replied to on time with no "
                                   "survey scored 1–2, −10 per late one or one scored 1–2; all rules in scores.")
    resolved_on_time: int = figure("如期結案", "Closed by resolve_due_at (7 days, urgent 3 days).")
    resolved_late: int = figure("逾期結案", "Closed after resolve_due_at, or still open when it has passed.")
    resolve_pending: int = figure("結案期限未到", "Open and resolve_due_at not reached yet.")
    compliance: float | None = figure("期限遵循率", "resolved_on_time ÷ (resolved_on_time + resolved_late).")
    reminders: int = figure("催辦次數", "Overdue reminders sent for these cases (cases.reminders).")
    escalated: int = figure("陳報督導", "Cases escalated to the supervisor after two reminders.")


@dataclasses.dataclass
class Cases:
    received: int = figure("新收案件", "Cases recorded (received_at) in the month, in any status.")
    accepted: int = figure("受理件數", "Cases accepted by an agency in the month; the rows below count these.")
    replied_on_time: int = figure("24 小時內回覆", "Sum over agencies.")
    replied_late: int = figure("逾時回覆", "Sum over agencies.")
    reply_pending: int = figure("回覆期限未到", "Sum over agencies.")
    points: int = figure("機關得分合計", "Sum over agencies.")
    resolved_on_time: int = figure("如期結案", "Sum over agencies.")
    resolved_late: int = figure("逾期結案", "Sum over agencies.")
    compliance: float | None = figure("期限遵循率", "resolved_on_time ÷ (resolved_on_time + resolved_late), "
                                                "all agencies.")
    escalated: int = figure("陳報督導", "Sum over agencies.")
    by_agency: list[AgencyRow] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Topic:
    topic: str = figure("主題", "The engineer's label, else the suggested label (agent answer or clicked "
                                "suggestion), else the bot's top intent, else （未知）.")
    title: str = figure("題目", "The knowledge-base question of that topic, when it is a KB id.")
    misses: int = figure("未命中次數", "Missed question turns of the month on that topic.")
    example: str = figure("例句", "The latest such turn, as masked in the miss log.")


@dataclasses.dataclass
class QualityAgentRow:
    agent: str = figure("客服人員", "The agent (the one who closed the chat).")
    closed_chats: int = figure("結案對話", "The agent's agent_resolved chats of the month (the sampling pool).")
    reviews: int = figure("抽測件數", "Quality reviews of the agent's chats of the month.")
    average_score: float | None = figure("平均分數", "Mean review score (20 points per checklist item, 0–100).")
    greeting: int = figure("問候", "Reviews where the agent greeted (您好／很高興為您服務).")
    confirmed_need: int = figure("確認需求", "Reviews where the agent confirmed the citizen's need.")
    anything_else: int = figure("再度確認需求", "Reviews where the agent asked 還有其他問題需要為您服務嗎？")
    thanks: int = figure("致謝", "Reviews where the agent thanked the citizen.")
    correct_answer: int = figure("答覆正確", "Reviews where the answer was correct.")


@dataclasses.dataclass
class Quality:
    reviews: int = figure("抽測件數", "Quality reviews of the month's chats.")
    average_score: float | None = figure("平均分數", "Mean review score, 0–100.")
    greeting_share: float | None = figure("問候達成率", "Reviews with greeting ÷ reviews.")
    confirmed_need_share: float | None = figure("確認需求達成率", "Reviews with confirmed_need ÷ reviews.")
    anything_else_share: float | None = figure("再度確認需求達成率", "Reviews with anything_else ÷ reviews.")
    thanks_share: float | None = figure("致謝達成率", "Reviews with thanks ÷ reviews.")
    correct_answer_share: float | None = figure("答覆正確率", "Reviews with correct_answer ÷ reviews.")
    by_agent: list[QualityAgentRow] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Day:
    date: str = figure("日期", "Calendar day in Asia/Taipei.")
    chats: int = figure("對話數", "Chats created that day.")
    bot_only: int = figure("機器人獨立解決", "Of those, bot-only resolutions.")
    handoffs: int = figure("轉真人", "Of those, handed to the queue.")
    abandoned: int = figure("放棄", "Of those, abandoned.")
    question_turns: int = figure("提問數", "Question turns logged that day.")
    answered_turns: int = figure("成功回答數", "Of those, answered by the bot.")
    match_rate: float | None = figure("匹配成功率", "answered_turns ÷ question_turns of the day.")


@dataclasses.dataclass
class MonthlyReport:
    month: str
    timezone: str
    start: str
    end: str
    generated_at: str
    volume: Volume
    match: MatchRate
    waits: Waits
    satisfaction: Satisfaction
    cases: Cases
    top_missed: list[Topic]
    quality: Quality
    daily: list[Day]
    period: str = "month"
    case_surveys: list[extras.CaseSurveyRow] = dataclasses.field(default_factory=list)
    special: list[extras.SpecialCase] = dataclasses.field(default_factory=list)
    comments: list[extras.Comment] = dataclasses.field(default_factory=list)
    scores: list[scoring.ScoreRow] = dataclasses.field(default_factory=list)
    ranking: list[scoring.RankRow] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


SECTIONS: dict[str, type] = {"volume": Volume, "match": MatchRate, "waits": Waits, "satisfaction": Satisfaction,
                             "cases": Cases, "cases.by_agency": AgencyRow, "top_missed": Topic,
                             "quality": Quality, "quality.by_agent": QualityAgentRow, "daily": Day,
                             "case_surveys": extras.CaseSurveyRow, "special": extras.SpecialCase,
                             "comments": extras.Comment, "scores": scoring.ScoreRow, "ranking": scoring.RankRow}
"""Every section class, by its key in the report's JSON."""
