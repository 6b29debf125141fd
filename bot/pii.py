"""Mask Taiwanese personal data before text reaches a log: national ID (checksum-validated),
resident certificate numbers (old and new format), mobile and landline numbers, bank account
numbers and e-mail addresses."""
from __future__ import annotations

import re

_LETTER_CODES = {c: n for c, n in zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36))}
_ID = re.compile(r"(?<![A-Za-z0-9])([A-Za-z])([1289A-Da-d])(\d{8})(?![A-Za-z0-9])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_MOBILE = re.compile(r"(?<!\d)(?:\+?886[-\s]?|0)9\d{2}[-\s]?\d{3}[-\s]?\d{3}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:\(0\d{1,2}\)|0\d{1,2})[-\s]?\d{3,4}[-\s]?\d{4}(?!\d)")
_ACCOUNT = re.compile(r"(?<!\d)\d(?:[-\s]?\d){9,15}(?!\d)")


def valid_taiwan_id(value: str) -> bool:
    """National ID (A123456789) or resident certificate (old: AB12345678, new: A812345678)."""
    value = value.upper()
    if not re.fullmatch(r"[A-Z][1289A-D]\d{8}", value):
        return False
    code = _LETTER_CODES[value[0]]
    second = value[1]
    second_digit = (_LETTER_CODES[second] % 10) if second.isalpha() else int(second)
    digits = [code // 10, code % 10, second_digit, *map(int, value[2:])]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return sum(d * w for d, w in zip(digits, weights)) % 10 == 0


def mask(text: str) -> str:
    def mask_id(m: re.Match[str]) -> str:
        return "[身分證號]" if valid_taiwan_id(m.group(0)) else m.group(0)

    text = _EMAIL.sub("[email]", text)
    text = _ID.sub(mask_id, text)
    text = _MOBILE.sub("[手機]", text)
    text = _LANDLINE.sub("[電話]", text)
    return _ACCOUNT.sub("[帳號]", text)
