from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue import ANYTHING_ELSE, GREETING, DialogueState, HotlinePolicy

KB = {"ATM-001": {"question": "ATM什麼時候可以領？", "answer": "4月10日起。"},
      "ATM-002": {"question": "ATM領現要帶什麼？", "answer": "金融卡。"},
      "PST-001": {"question": "郵局可以領嗎？", "answer": "可以。"}}


def parse(name: str, confidence: float = 0.95, fallback: bool = False, reason: str | None = None,
          ranking: list[tuple[str, float]] | None = None) -> dict[str, Any]:
    ranked = [{"name": n, "confidence": c} for n, c in (ranking or [(name, confidence)])]
    return {"intent": {"name": "nlu_fallback" if fallback else name, "confidence": confidence},
            "intent_ranking": ranked, "fallback": fallback, "fallback_reason": reason}


@pytest.fixture
def policy() -> HotlinePolicy:
    return HotlinePolicy(KB.get, "每日 08:30–18:30")


def test_greeting_names_the_service_and_is_glad_to_serve(policy: HotlinePolicy) -> None:
    assert policy.greet().text == GREETING and "很高興為您服務" in GREETING


def test_confident_faq_is_answered_with_the_closing_question(policy: HotlinePolicy) -> None:
    state = DialogueState(misses=1)
    decision = policy.decide(state, parse("ATM-001"), handoff_open=True)
    assert decision.answered and decision.replies[0].text == f"4月10日起。\n\n{ANYTHING_ELSE}"
    assert state.misses == 0


def test_unsure_gives_up_to_three_suggestions_and_a_person(policy: HotlinePolicy) -> None:
    state = DialogueState()
    p = parse("ATM-001", 0.4, fallback=True, reason="low_confidence",
              ranking=[("ATM-001", 0.4), ("out_of_scope", 0.2), ("ATM-002", 0.2), ("PST-001", 0.1), ("greet", 0.05)])
    decision = policy.decide(state, p, handoff_open=True)
    buttons = decision.replies[0].buttons
    assert [b["payload"] for b in buttons] == ["/ATM-001", "/ATM-002", "/PST-001", "/handoff_yes"]
    assert buttons[0]["title"] == "ATM什麼時候可以領？" and decision.action is None and state.misses == 1


def test_second_miss_in_a_row_offers_a_person_and_consent_queues(policy: HotlinePolicy) -> None:
    state = DialogueState()
    miss = parse("x", 0.1, fallback=True, reason="low_confidence", ranking=[("ATM-001", 0.1)])
    policy.decide(state, miss, handoff_open=True)
    second = policy.decide(state, miss, handoff_open=True)
    assert second.replies[-1].kind == "handoff_offer" and state.awaiting == "handoff_consent"
    consent = policy.decide(state, parse("affirm", 0.99), handoff_open=True)
    assert consent.action == "queue"


def test_declining_the_offer_returns_to_the_bot(policy: HotlinePolicy) -> None:
    state = DialogueState(awaiting="handoff_consent")
    decision = policy.decide(state, parse("deny"), handoff_open=True)
    assert decision.action is None and state.awaiting is None


@pytest.mark.parametrize("name", ["ask_human", "/handoff_yes"])
def test_off_hours_handoff_becomes_hours_and_callback_form(policy: HotlinePolicy, name: str) -> None:
    decision = policy.decide(DialogueState(), parse(name, 1.0), handoff_open=False)
    assert decision.action is None and decision.replies[0].kind == "off_hours"
    assert "08:30–18:30" in decision.replies[0].text and decision.replies[0].form["form"] == "callback"


def test_handoff_button_is_consent(policy: HotlinePolicy) -> None:
    assert policy.decide(DialogueState(), parse("/handoff_yes", 1.0), handoff_open=True).action == "queue"


@pytest.mark.parametrize("name", ["thanks", "goodbye"])
def test_thanks_and_goodbye_lead_to_the_five_point_survey(policy: HotlinePolicy, name: str) -> None:
    state = DialogueState()
    reply = policy.decide(state, parse(name), handoff_open=True).replies[0]
    assert [s["label"] for s in reply.form["scale"]] == ["非常滿意", "滿意", "普通", "不滿意", "非常不滿意"]
    assert state.awaiting == "survey"


def test_out_of_scope_says_so_without_guessing(policy: HotlinePolicy) -> None:
    decision = policy.decide(DialogueState(), parse("out_of_scope", 0.9, fallback=True, reason="out_of_scope",
                                                    ranking=[("out_of_scope", 0.9), ("ATM-001", 0.05)]), True)
    assert "不在" in decision.replies[0].text and not decision.answered
    assert [b["payload"] for b in decision.replies[0].buttons] == ["/handoff_yes"]


def test_intent_whose_kb_entry_was_removed_is_not_answered(policy: HotlinePolicy) -> None:
    assert not policy.decide(DialogueState(), parse("GONE-001"), handoff_open=True).answered
