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


SIBLINGS = {"ATM-004": {"question": "去ATM領普發現金要準備哪些東西？", "answer": "提款卡。", "category": "ATM領現"},
            "ATM-016": {"question": "去ATM領錢需要帶健保卡本人嗎？", "answer": "不用。", "category": "ATM領現"},
            "PST-001": {"question": "郵局臨櫃領現什麼時候開始？", "answer": "4月17日。", "category": "郵局領現"},
            "TIM-001": {"question": "五種領取管道分別什麼時候開始？", "answer": "…", "category": "發放時程與期限"}}


def test_close_siblings_get_one_clarifying_question_with_two_buttons() -> None:
    policy = HotlinePolicy(SIBLINGS.get, "每日 08:30–18:30")
    state = DialogueState()
    p = parse("ATM-004", 0.5, fallback=True, reason="low_confidence",
              ranking=[("ATM-004", 0.5), ("ATM-016", 0.4), ("PST-001", 0.05)])
    decision = policy.decide(state, p, handoff_open=True)
    reply = decision.replies[0]
    assert reply.kind == "clarify" and not decision.answered and decision.action is None
    assert reply.text == "請問您是想問：去ATM領普發現金要準備哪些東西，還是去ATM領錢需要帶健保卡本人嗎？"
    assert [b["payload"] for b in reply.buttons] == ["/ATM-004", "/ATM-016", "/handoff_yes"]
    assert state.last_suggestions == ["ATM-004", "ATM-016"]
    picked = policy.decide(state, parse("ATM-016", 1.0), handoff_open=True)
    assert picked.answered and picked.replies[0].intent == "ATM-016"


@pytest.mark.parametrize(
    ("ranking", "why"),
    [([("ATM-004", 0.5), ("PST-001", 0.4)], "different categories, not declared"),
     ([("ATM-004", 0.8), ("ATM-016", 0.1)], "not close"),
     ([("ATM-004", 0.3), ("ATM-016", 0.2)], "both mere guesses")],
)
def test_no_clarifying_question_unless_close_confident_siblings(ranking: list[tuple[str, float]], why: str) -> None:
    policy = HotlinePolicy(SIBLINGS.get, "每日 08:30–18:30")
    p = parse(ranking[0][0], ranking[0][1], fallback=True, reason="ambiguous", ranking=ranking)
    assert policy.decide(DialogueState(), p, handoff_open=True).replies[0].kind == "suggestions", why


def test_declared_confusable_pair_is_clarified_across_categories() -> None:
    policy = HotlinePolicy.from_config({"confusable_pairs": [["TIM-001", "PST-001"]]}, SIBLINGS.get, "每日")
    p = parse("TIM-001", 0.5, fallback=True, reason="ambiguous", ranking=[("TIM-001", 0.5), ("PST-001", 0.45)])
    reply = policy.decide(DialogueState(), p, handoff_open=False).replies[0]
    assert reply.kind == "clarify" and [b["payload"] for b in reply.buttons] == ["/TIM-001", "/PST-001", "/callback"]


def test_an_out_of_scope_fallback_is_never_clarified() -> None:
    policy = HotlinePolicy(SIBLINGS.get, "每日 08:30–18:30")
    p = parse("ATM-004", 0.5, fallback=True, reason="out_of_scope", ranking=[("ATM-004", 0.5), ("ATM-016", 0.45)])
    assert policy.decide(DialogueState(), p, handoff_open=True).replies[0].kind != "clarify"


def test_confident_ask_human_queues_directly_and_an_unsure_one_asks(policy: HotlinePolicy) -> None:
    assert policy.decide(DialogueState(), parse("ask_human", 0.97), handoff_open=True).action == "queue"
    unsure = policy.decide(DialogueState(), parse("ask_human", 0.5, fallback=True, reason="low_confidence"),
                           handoff_open=True)
    assert unsure.action is None  # an unsure parse is a miss: suggestions, and a person only on consent
