"""Mask Taiwanese personal data before text reaches a log: national ID (checksum-validated),
resident certificate numbers (old and new format), mobile and landline numbers, bank account
numbers (10–18 digits, with or without a 3-digit bank code) and e-mail addresses.

Text is normalised before matching — full-width letters and digits (``Ｆ２３４５６７８１６``),
spaces and any kind of dash between the characters (``F 2345 67816``, ``0912－345－678``) — but the
masked result keeps the rest of the text exactly as written: matching runs on a normalised copy
whose characters map one to one onto the original.
"""
from __future__ import annotations

import re
import unicodedata

_LETTER_CODES = {c: n for c, n in zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36))}
_DASHES = "‐‑‒–—―−－﹣ー"
_SEP = r"[-\s]?"
_ID = re.compile(rf"(?<![A-Za-z0-9])([A-Za-z]){_SEP}([1289A-Da-d])((?:{_SEP}\d){{8}})(?![A-Za-z0-9])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_MOBILE = re.compile(rf"(?<![\d+])(?:\+?886{_SEP}|0)9\d{{2}}{_SEP}\d{{3}}{_SEP}\d{{3}}(?!\d)")
_LANDLINE = re.compile(rf"(?<!\d)(?:\(0\d{{1,2}}\)|0\d{{1,2}}){_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)")
# 3-digit bank code (optionally in brackets, optionally separated) + a 10–18 digit account, or a
# bare 10–18 digit account; separators (space, dash) may sit between any digits.
_ACCOUNT = re.compile(rf"(?<![\d-])(?:\(\d{{3}}\){_SEP})?\d(?:{_SEP}\d){{9,19}}(?![\d])")
_CASE_NUMBER = re.compile(r"\d{7}-\d{3,4}")  # 1999-style case/conversation numbers (1121130-0001) are not PII
_NAME = re.compile(r"[\u4e00-\u9fff]{1,2}(?:先生|小姐|女士)")

LABELS = {"id": "[身分證號]", "email": "[email]", "mobile": "[手機]", "landline": "[電話]", "account": "[帳號]"}


def normalise(text: str) -> str:
    """Full-width → ASCII, every dash → ``-``, every space → `` ``; same length as ``text``."""
    out = []
    for ch in text:
        if ch in _DASHES:
            out.append("-")
        elif ch.isspace():
            out.append(" ")
        elif "\uff01" <= ch <= "\uff5e":
            out.append(unicodedata.normalize("NFKC", ch))
        elif ch.isdigit() and not ch.isascii():
            out.append(str(unicodedata.digit(ch, 0)))  # other scripts' digits count as digits
        else:
            out.append(ch)
    return "".join(out)


def valid_taiwan_id(value: str) -> bool:
    """National ID (A123456789) or resident certificate (old: AB12345678, new: A812345678);
    spaces, dashes and full-width characters are ignored."""
    value = re.sub(r"[-\s]", "", normalise(value)).upper()
    if not re.fullmatch(r"[A-Z][1289A-D]\d{8}", value):
        return False
    code = _LETTER_CODES[value[0]]
    second = value[1]
    second_digit = (_LETTER_CODES[second] % 10) if second.isalpha() else int(second)
    digits = [code // 10, code % 10, second_digit, *map(int, value[2:])]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return sum(d * w for d, w in zip(digits, weights)) % 10 == 0


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every piece of personal data in ``text``, not overlapping."""
    norm = normalise(text)
    taken = [False] * len(norm)
    found: list[tuple[int, int, str]] = []

    def claim(start: int, end: int, kind: str) -> None:
        if not any(taken[start:end]):
            taken[start:end] = [True] * (end - start)
            found.append((start, end, kind))

    for m in _EMAIL.finditer(norm):
        claim(m.start(), m.end(), "email")
    for m in _ID.finditer(norm):
        if valid_taiwan_id(m.group(0)):
            claim(m.start(), m.end(), "id")
    for m in _MOBILE.finditer(norm):
        claim(m.start(), m.end(), "mobile")
    for m in _LANDLINE.finditer(norm):
        claim(m.start(), m.end(), "landline")
    for m in _ACCOUNT.finditer(norm):
        if not _CASE_NUMBER.fullmatch(m.group(0)):
            claim(m.start(), m.end(), "account")
    return sorted(found)


def mask(text: str) -> str:
    pieces, last = [], 0
    for start, end, kind in find(text):
        pieces += [text[last:start], LABELS[kind]]
        last = end
    return "".join(pieces) + text[last:]


def kinds(text: str) -> set[str]:
    """Which kinds of personal data ``text`` holds, including a person's name form (王先生, 陳小姐):
    for reviews that must warn before something is published."""
    found = {kind for _, _, kind in find(text)}
    if _NAME.search(text):
        found.add("name")
    return found
