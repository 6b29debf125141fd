from __future__ import annotations

import pytest

from bot.text import MAX_TEXT_CHARS, has_content, normalize


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


@pytest.mark.parametrize(("text", "expected"), [("😀😀", False), ("？！", False), ("", False), ("6000", True), ("領錢", True)])
def test_has_content_rejects_emoji_and_punctuation(text: str, expected: bool) -> None:
    assert has_content(text) is expected
