"""Text normalisation shared by the NLU pipeline, KB search and the miss log.

Citizens type full-width digits, simplified characters, 注音 shorthand (ㄉ for 的) and both 台 and
臺. The pipeline sees one canonical form so that training and serving cut words the same way.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_TEXT_CHARS = 2000
"""Longer input is cut to this many characters before parsing (documented in README)."""

# 注音文: a lone bopomofo symbol standing for a common particle.
_ZHUYIN = {
    "ㄉ": "的", "ㄇ": "嗎", "ㄅ": "吧", "ㄌ": "了", "ㄋ": "呢", "ㄚ": "啊", "ㄛ": "喔",
    "ㄏ": "呵", "ㄍ": "個", "ㄓ": "這", "ㄗ": "在", "ㄙ": "嘶", "ㄜ": "呃", "ㄟ": "欸",
}
# Variant characters and Taiwanese spellings that OpenCC leaves apart; left side becomes right side.
_VARIANTS = {
    "臺": "台", "賬": "帳", "身份": "身分", "裏": "裡", "綫": "線",
    "妳": "你", "祢": "你", "週": "周", "纔": "才", "甚麼": "什麼", "啥": "什麼",
    "麽": "麼", "囉": "喔", "唷": "喔",
}
_CHINESE_NUMBERS = {"六千": "6000", "6千": "6000", "陸仟": "6000", "六仟": "6000", "6仟": "6000"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\ufeff]")
_SPACES = re.compile(r"\s+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_VARIANT_RE = re.compile("|".join(map(re.escape, sorted(_VARIANTS, key=len, reverse=True))))
_NUMBER_RE = re.compile("|".join(map(re.escape, _CHINESE_NUMBERS)))


@lru_cache(maxsize=1)
def _simplified_to_traditional():  # type: ignore[no-untyped-def]
    import opencc  # lazy: the package loads dictionaries

    return opencc.OpenCC("s2tw")


def normalize(text: str) -> str:
    """Canonical form: NFKC (full/half width), traditional Taiwan characters, 台-style variants,
    注音 particles, 6,000/六千 → 6000, lower-case Latin, single spaces, no control characters."""
    text = _CONTROL.sub(" ", text[:MAX_TEXT_CHARS])
    text = unicodedata.normalize("NFKC", text)
    text = _simplified_to_traditional().convert(text)
    text = _VARIANT_RE.sub(lambda m: _VARIANTS[m.group(0)], text)
    text = "".join(_ZHUYIN.get(ch, ch) for ch in text)
    text = _THOUSANDS.sub("", text)
    text = _NUMBER_RE.sub(lambda m: _CHINESE_NUMBERS[m.group(0)], text)
    return _SPACES.sub(" ", text).strip().lower()


_CJK = r"\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")
_TRAILING_PARTICLES = re.compile("[嗎呢啊喔吧呀啦耶哦欸捏齁咧嘛唄哩嘞喲呦蛤哇阿]+$")


def nlu_form(text: str) -> str:
    """What the NLU sees: :func:`normalize`, then punctuation, symbols and emoji dropped, spaces
    next to CJK characters dropped and trailing particles (嗎, 呢, 啦…) cut, so that 「？」, 「?」,
    an emoji or a 「啦」 at the end never changes the answer. Latin words stay space-separated."""
    text = normalize(text)
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    text = _CJK_SPACE.sub("", _SPACES.sub(" ", text).strip())
    stripped = _TRAILING_PARTICLES.sub("", text).strip()
    return stripped or text


def has_content(text: str) -> bool:
    """True when the text has at least one letter, digit or CJK character (not only emoji/punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
