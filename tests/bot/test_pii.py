from __future__ import annotations

import pytest

from bot.pii import kinds, mask, normalise, valid_taiwan_id


@pytest.mark.parametrize(
    ("value", "valid"),
    [("A123456789", True), ("a123456789", True), ("A123456788", False), ("F131104093", True),
     ("AC01234567", True), ("AC01234568", False), ("A800000014", True), ("Z999999999", False),
     ("Ｆ２３４５６７８１６", True), ("F 2345 67816", True), ("F-234-567-816", True), ("F234567817", False),
     ("1234567890", False), ("AA12345678", False)],
)
def test_taiwan_id_checksum(value: str, valid: bool) -> None:
    assert valid_taiwan_id(value) is valid


# Real formats as citizens type them: (text, masked). Valid ones are masked with the right label;
# invalid ones (bad checksum, too short, dates, amounts, case numbers) are left alone.
MASKING_TABLE = [
    # national ID / resident certificate
    ("我的身分證是A123456789", "我的身分證是[身分證號]"),
    ("身分證字號Ｆ２３４５６７８１６", "身分證字號[身分證號]"),  # full-width
    ("F 2345 67816 是我的", "[身分證號] 是我的"),  # spaces
    ("f234567816", "[身分證號]"),  # lower case
    ("居留證AC01234567", "居留證[身分證號]"),  # old resident certificate
    ("新式居留證A800000014", "新式居留證[身分證號]"),  # new resident certificate
    ("打錯的A123456788不是身分證", "打錯的A123456788不是身分證"),  # bad checksum
    ("型號AB1234", "型號AB1234"),
    # mobile
    ("手機0912-345-678或0912345678", "手機[手機]或[手機]"),
    ("+886 912 345 678", "[手機]"),
    ("886912345678", "[手機]"),
    ("０９１２３４５６７８", "[手機]"),  # full-width: a phone, not an account
    ("0912－345－678", "[手機]"),  # full-width dashes
    ("0912 345 678", "[手機]"),
    # landline
    ("家裡(02)2345-6789", "家裡[電話]"),
    ("04 2345 6789", "[電話]"),
    ("電話０２－２３４５－６７８９", "電話[電話]"),
    ("07-1234567", "[電話]"),
    # bank accounts, 10–18 digits, with or without a bank code
    ("帳號 700-0001-2345678", "帳號 [帳號]"),
    ("822540123456789012", "[帳號]"),  # 18 digits
    ("(822)1234567890123456", "[帳號]"),  # bank code + 16 digits
    ("822-1234-5678-9012", "[帳號]"),
    ("１２３４５６７８９０", "[帳號]"),  # 10 digits full-width
    ("郵局帳號 0001234 5678901", "郵局帳號 [帳號]"),
    # e-mail
    ("寄到 someone@example.com.tw", "寄到 [email]"),
    # not personal data
    ("普發6000元", "普發6000元"),
    ("2023-11-30 到 2024-04-30", "2023-11-30 到 2024-04-30"),
    ("案件編號1121130-0001", "案件編號1121130-0001"),
    ("123456789", "123456789"),  # 9 digits: too short for an account
    ("請撥1999", "請撥1999"),
    # several kinds in one text keep their own labels
    ("身分證Ａ１２３４５６７８９，電話０２－２３４５－６７８９，帳號822540123456789012",
     "身分證[身分證號]，電話[電話]，帳號[帳號]"),
]


@pytest.mark.parametrize(("text", "masked"), MASKING_TABLE)
def test_mask_personal_data(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_normalising_keeps_the_length_so_the_rest_of_the_text_is_unchanged() -> None:
    text = "請問，Ｆ２３４５６７８１６　是誰？"
    assert len(normalise(text)) == len(text)
    assert mask(text) == "請問，[身分證號]　是誰？"


@pytest.mark.parametrize(
    ("text", "found"),
    [("王先生您好，請洽承辦人", {"name"}), ("陳小姐的電話0912345678", {"name", "mobile"}),
     ("請攜帶身分證A123456789", {"id"}), ("匯入帳號822540123456789012", {"account"}),
     ("請於服務時間來電", set())],
)
def test_kinds_for_review_warnings(text: str, found: set[str]) -> None:
    assert kinds(text) == found
