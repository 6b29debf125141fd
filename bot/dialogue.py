"""The dialogue policy: what the bot says and does next. Pure: no I/O, no clock reads.

Given the conversation's dialogue state, the citizen's input (its NLU parse, or a button payload)
and whether agents accept handoffs now, it returns replies and at most one action for the server
to carry out (queue for an agent, close). Etiquette follows the seeds: greet with the service
name and 很高興為您服務; after an answer ask 還有其他問題需要為您服務嗎？; end with the 5-point
survey and 謝謝您的來電.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot import intents
from bot.intents import is_faq

GREETING = "您好，這裡是全民共享普發現金智能客服，很高興為您服務。請問有什麼可以協助您？"
ANYTHING_ELSE = "還有其他問題需要為您服務嗎？"
THANKS_CLOSING = "謝謝您的來電，祝您順心，再見。"
SURVEY_SCALE = [(5, "非常滿意"), (4, "滿意"), (3, "普通"), (2, "不滿意"), (1, "非常不滿意")]

HANDOFF_YES = "/handoff_yes"
HANDOFF_NO = "/handoff_no"
CALLBACK = "/callback"
HUMAN_BUTTON = {"title": "真人客服", "payload": HANDOFF_YES}
CALLBACK_BUTTON = {"title": "留言請專人回電", "payload": CALLBACK}


@dataclass
class Reply:
    text: str
    kind: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    form: dict[str, Any] | None = None
    intent: str | None = None


@dataclass
class Decision:
    replies: list[Reply]
    action: str | None = None
    """``queue`` (hand to an agent), ``close`` (conversation over), or None."""
    answered: bool = False
    """True when a KB answer was given (the turn counts as matched)."""


@dataclass
class DialogueState:
    misses: int = 0
    awaiting: str | None = None  # "handoff_consent" | "survey" | None
    last_suggestions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"misses": self.misses, "awaiting": self.awaiting, "last_suggestions": self.last_suggestions}

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> DialogueState:
        raw = raw or {}
        return cls(int(raw.get("misses", 0)), raw.get("awaiting"), list(raw.get("last_suggestions", [])))


def survey_form() -> dict[str, Any]:
    return {"form": "survey", "scale": [{"score": s, "label": label} for s, label in SURVEY_SCALE]}


def callback_form() -> dict[str, Any]:
    return {"form": "callback", "fields": [
        {"name": "name", "label": "姓名", "required": True},
        {"name": "phone", "label": "聯絡電話", "required": True},
        {"name": "question", "label": "問題說明", "required": True},
        {"name": "consent", "label": "我同意提供聯絡資料供回電使用", "required": True},
    ]}


@dataclass
class HotlinePolicy:
    """Answer / suggest / hand off. ``lookup`` returns a KB entry (question, answer) by id."""

    lookup: Callable[[str], dict[str, Any] | None]
    hours_text: str = "每日 08:30–18:30"
    max_suggestions: int = 3
    misses_before_handoff: int = 2
    suggestion_min_confidence: float = 0.01
    clarify_margin: float = 0.35
    """Ask 「A，還是 B？」 when the top two sibling candidates are this close…"""
    clarify_min_mass: float = 0.6
    """…and together hold at least this much of the confidence (else they are both guesses)."""
    confusable_pairs: frozenset[frozenset[str]] = frozenset()
    """Declared confusable pairs (config.yml) besides entries of the same KB category."""

    @classmethod
    def from_config(cls, raw: dict[str, Any], lookup: Callable[[str], dict[str, Any] | None],
                    hours_text: str) -> HotlinePolicy:
        pairs = frozenset(frozenset(p) for p in raw.get("confusable_pairs", []) if len(set(p)) == 2)
        return cls(lookup, hours_text, int(raw.get("max_suggestions", 3)),
                   int(raw.get("misses_before_handoff", 2)), float(raw.get("suggestion_min_confidence", 0.01)),
                   float(raw.get("clarify_margin", 0.35)), float(raw.get("clarify_min_mass", 0.6)), pairs)

    def greet(self) -> Reply:
        return Reply(GREETING, "greeting")

    # entry point ------------------------------------------------------------------------------
    def decide(self, state: DialogueState, parse: dict[str, Any], handoff_open: bool) -> Decision:
        """``parse`` is the NLU result; a button payload arrives as intent with confidence 1."""
        name = parse["intent"]["name"]
        if name == HANDOFF_YES:
            return self._handoff(state, handoff_open, consented=True)
        if name == CALLBACK:
            return self.callback_offer(state)
        if state.awaiting == "handoff_consent":
            if name in (intents.AFFIRM,):
                return self._handoff(state, handoff_open, consented=True)
            state.awaiting = None
            if name in (intents.DENY, HANDOFF_NO):
                return Decision([Reply("好的，請繼續告訴我您的問題。", "fallback")])
        if name == HANDOFF_NO:
            return Decision([Reply("好的，請繼續告訴我您的問題。", "fallback")])
        if name == intents.ASK_HUMAN:  # a confident 「轉真人」 is consent itself: no yes/no click
            return self._handoff(state, handoff_open, consented=not parse.get("fallback"))
        if not parse.get("fallback") and is_faq(name):
            return self._answer(state, name)
        if name == intents.GREET:
            return Decision([Reply(GREETING, "greeting")])
        if name in (intents.THANKS, intents.GOODBYE) or (name == intents.DENY and state.misses == 0):
            state.awaiting = "survey"
            return Decision([Reply("感謝您的使用！結束前，請為本次服務評分：", "survey", form=survey_form())])
        if name == intents.AFFIRM:
            return Decision([Reply("好的，請問還有什麼問題呢？", "fallback")])
        clarify = self._clarify(state, parse, handoff_open)
        return clarify if clarify is not None else self._miss(state, parse, handoff_open)

    # branches ---------------------------------------------------------------------------------
    def _answer(self, state: DialogueState, intent: str) -> Decision:
        entry = self.lookup(intent)
        if entry is None:  # a model intent whose KB entry was removed: never guess
            return self._miss(state, {"intent": {"name": intent}, "intent_ranking": [], "fallback": True}, False)
        state.misses, state.awaiting, state.last_suggestions = 0, None, []
        return Decision([Reply(f"{entry['answer']}\n\n{ANYTHING_ELSE}", "answer", intent=intent)], answered=True)

    def suggestions(self, parse: dict[str, Any]) -> list[dict[str, str]]:
        buttons: list[dict[str, str]] = []
        for ranked in parse.get("intent_ranking", []):
            if len(buttons) >= self.max_suggestions:
                break
            if not is_faq(ranked["name"]) or ranked["confidence"] < self.suggestion_min_confidence:
                continue
            entry = self.lookup(ranked["name"])
            if entry:
                buttons.append({"title": entry["question"], "payload": f"/{ranked['name']}"})
        return buttons

    def siblings(self, a: str, b: str) -> bool:
        """Same KB category, or a declared confusable pair."""
        if frozenset((a, b)) in self.confusable_pairs:
            return True
        first, second = self.lookup(a), self.lookup(b)
        category = (first or {}).get("category")
        return bool(category) and category == (second or {}).get("category")

    def _clarify(self, state: DialogueState, parse: dict[str, Any], handoff_open: bool) -> Decision | None:
        """Two close sibling candidates: one clarifying question with both as buttons (Rasa's
        two-stage fallback). A suggestion, never an answer: the turn stays a miss in the miss log
        and the button the citizen picks labels it (``/<KB id>`` like any clicked suggestion)."""
        if parse.get("fallback_reason") not in ("ambiguous", "low_confidence"):
            return None
        ranking = parse.get("intent_ranking", [])
        if len(ranking) < 2 or not (is_faq(ranking[0]["name"]) and is_faq(ranking[1]["name"])):
            return None
        (a, ca), (b, cb) = ((r["name"], float(r["confidence"])) for r in ranking[:2])
        if ca - cb > self.clarify_margin or ca + cb < self.clarify_min_mass or not self.siblings(a, b):
            return None
        first, second = self.lookup(a), self.lookup(b)
        if first is None or second is None:
            return None
        state.misses += 1
        state.last_suggestions = [a, b]
        text = f"請問您是想問：{first['question'].rstrip('？?')}，還是{second['question'].rstrip('？?')}？"
        escape = HUMAN_BUTTON if handoff_open else CALLBACK_BUTTON
        buttons = [{"title": first["question"], "payload": f"/{a}"},
                   {"title": second["question"], "payload": f"/{b}"}, escape]
        return Decision([Reply(text, "clarify", buttons=buttons)])

    def _miss(self, state: DialogueState, parse: dict[str, Any], handoff_open: bool) -> Decision:
        state.misses += 1
        out_of_scope = parse.get("fallback_reason") == "out_of_scope" or parse["intent"]["name"] == intents.OUT_OF_SCOPE
        buttons = [] if out_of_scope else self.suggestions(parse)
        state.last_suggestions = [b["payload"][1:] for b in buttons]
        if out_of_scope:
            text = "抱歉，這個問題不在全民共享普發現金的服務範圍內，建議您洽詢相關機關。"
        elif buttons:
            text = "抱歉，我不太確定您的意思。您是不是要問："
        else:
            text = "抱歉，我不太確定您的意思，可以換個說法再問一次嗎？"
        escape = HUMAN_BUTTON if handoff_open else CALLBACK_BUTTON
        replies = [Reply(text, "suggestions" if buttons else "fallback", buttons=[*buttons, escape])]
        if state.misses >= self.misses_before_handoff:
            offer = self._handoff(state, handoff_open, consented=False)
            replies.extend(offer.replies)
        return Decision(replies)

    def _handoff(self, state: DialogueState, handoff_open: bool, consented: bool) -> Decision:
        if not handoff_open:
            return self.callback_offer(state)
        if not consented:
            state.awaiting = "handoff_consent"
            return Decision([Reply("需要為您轉接真人文字客服嗎？", "handoff_offer", buttons=[
                {"title": "是，轉接真人客服", "payload": HANDOFF_YES},
                {"title": "先不用", "payload": HANDOFF_NO}])])
        state.awaiting, state.misses = None, 0
        return Decision([Reply("好的，正在為您轉接真人文字客服，請稍候。", "queued")], action="queue")

    def callback_offer(self, state: DialogueState) -> Decision:
        state.awaiting = None
        return Decision([Reply(
            f"真人文字客服的服務時間為{self.hours_text}，目前無法立即為您轉接。"
            "您可以留下姓名、電話與問題，我們會在服務時間回電給您。", "off_hours", form=callback_form())])
