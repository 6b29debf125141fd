from __future__ import annotations

import pytest

from bot.pii import mask, valid_taiwan_id


@pytest.mark.parametrize(
    ("value", "valid"),
    [("A123456789", True), ("a123456789", True), ("A123456788", False), ("F131104093", True),
     ("AC01234567", True), ("AC01234568", False), ("A800000014", True), ("Z999999999", False)],
)
def test_taiwan_id_checksum(value: str, valid: bool) -> None:
    assert valid_taiwan_id(value) is valid


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的身分證是A123456789", "我的身分證是[身分證號]"),
        ("打錯的A123456788不是身分證", "打錯的A123456788不是身分證"),
        ("手機0912-345-678或0912345678", "手機[手機]或[手機]"),
        ("+886 912 345 678", "[手機]"),
        ("家裡(02)2345-6789", "家裡[電話]"),
        ("帳號 700-0001-2345678", "帳號 [帳號]"),
        ("寄到 someone@example.com.tw", "寄到 [email]"),
        ("普發6000元", "普發6000元"),
    ],
)
def test_mask_personal_data(text: str, masked: str) -> None:
    assert mask(text) == masked
