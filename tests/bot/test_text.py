from __future__ import annotations

import pytest

from bot.text import MAX_TEXT_CHARS, NLU_MAX_CHARACTERS, has_content, nlu_form, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("我的账户怎么还没收到钱", "我的帳戶怎麼還沒收到錢"),  # simplified → traditional
        ("ＡＴＭ領６，０００元", "atm領6000元"),  # full width → half width, thousands separator
        ("臺灣 身份证", "台灣 身分證"),  # 台/臺 and 身分/身份 variants
        ("可以領六千ㄇ", "可以領6000嗎"),  # 注音 particle and Chinese number
        ("啥時候\x00入帳", "什麼時候 入帳"),  # control character, 啥
        ("  多個   空白  ", "多個 空白"),
    ],
)
def test_normalize_canonical_form(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_cuts_overlong_text() -> None:
    assert len(normalize("普" * (MAX_TEXT_CHARS * 5))) == MAX_TEXT_CHARS


def test_the_nlu_reads_a_bounded_prefix() -> None:
    question = "普發現金什麼時候可以領"
    assert nlu_form(question + "普發" * 1000) == nlu_form((question + "普發" * 1000)[:NLU_MAX_CHARACTERS])
    assert len(nlu_form("普發" * 1000)) <= NLU_MAX_CHARACTERS


def test_a_lone_surrogate_is_dropped_not_an_error() -> None:
    assert nlu_form("\ud800普發現金什麼時候可以領\udfff？") == nlu_form("普發現金什麼時候可以領")


@pytest.mark.parametrize(("text", "expected"), [("😀😀", False), ("？！", False), ("", False), ("6000", True), ("領錢", True)])
def test_has_content_rejects_emoji_and_punctuation(text: str, expected: bool) -> None:
    assert has_content(text) is expected


def test_nlu_form_ignores_punctuation_spaces_emoji_and_trailing_particles() -> None:
    import json

    from bot.text import nlu_form
    from tests.conftest import KB_SEED

    for line in KB_SEED.read_text(encoding="utf-8").splitlines():
        bare = json.loads(line)["question"].rstrip("？?")
        half = next((i for i in range(len(bare) // 2, len(bare)) if "\u4e00" <= bare[i - 1] <= "\u9fff"
                     and "\u4e00" <= bare[i] <= "\u9fff"), len(bare))  # a space between two characters
        forms = {nlu_form(v) for v in (bare, bare + "？", bare + "?", f"{bare[:half]} {bare[half:]}", f" {bare} ？ ",
                                       bare + "啦🙂", bare + "!!", bare + "嗎？")}
        assert len(forms) == 1 and "" not in forms, forms


def test_nlu_form_keeps_latin_words_apart_and_never_empties_a_text() -> None:
    from bot.text import nlu_form

    assert nlu_form("ATM cash 6,000 start date？") == "atm cash 6000 start date"
    assert nlu_form("普发现金 什么时候 可以领呢？") == "普發現金什麼時候可以領"
    assert nlu_form("嗎") == "嗎" and nlu_form("？！🙂") == ""
