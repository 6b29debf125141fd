"""Cross-validation groups: paraphrase families within an intent, topics within out of scope."""
from __future__ import annotations

from bot.model_selection import OOS_INTENT, families

WEATHER = ["今天台北會下雨嗎", "明天天氣如何", "這週末天氣好不好", "高雄今天幾度", "颱風會不會來",
           "今天要帶傘嗎", "明天會很熱嗎", "下午會不會下雨", "天氣預報怎麼說", "今晚冷不冷"]
PASSPORT = ["護照過期怎麼換", "辦護照要多久", "護照照片規定", "小孩辦護照要帶什麼", "護照遺失怎麼補辦",
            "護照可以代辦嗎", "首次申請護照去哪裡", "護照費用多少", "護照效期幾年", "急件護照怎麼辦"]


def test_out_of_scope_examples_of_one_topic_are_one_group_so_a_fold_holds_out_whole_topics() -> None:
    pairs = [(t, OOS_INTENT) for t in WEATHER + PASSPORT]
    grouped = families(pairs, open_topics=2)
    weather, passport = set(grouped[: len(WEATHER)]), set(grouped[len(WEATHER):])
    assert len(weather) == 1 and len(passport) == 1 and weather != passport


def test_without_topics_out_of_scope_examples_group_only_as_near_copies() -> None:
    pairs = [(t, OOS_INTENT) for t in WEATHER + PASSPORT]
    assert len(set(families(pairs, open_topics=0))) > 2


def test_near_copies_within_an_intent_share_a_family_and_intents_never_mix() -> None:
    pairs = [("普發現金什麼時候可以領", "TIM-001"), ("普發現金什麼時候可以領啊", "TIM-001"),
             ("ATM 要帶什麼卡", "ATM-001"), ("普發現金什麼時候可以領", "PST-001")]
    grouped = families(pairs)
    assert grouped[0] == grouped[1]
    assert len({grouped[0], grouped[2], grouped[3]}) == 3
