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


NLU_MAX_CHARACTERS = 500
"""The NLU reads a message's first 500 characters (training examples are at most 84 long). The cap
keeps the longest message the server takes (2,000 characters) within the parse-time budget: 21 ms
uncapped, 6 ms capped, after the start-up warm-up."""


@lru_cache(maxsize=65536)  # a retrain re-reads the same 15k examples; a parse re-reads its cache key
def nlu_form(text: str) -> str:
    """What the NLU sees: :func:`normalize`, then punctuation, symbols and emoji dropped, spaces
    next to CJK characters dropped and trailing particles (嗎, 呢, 啦…) cut, so that 「？」, 「?」,
    an emoji or a 「啦」 at the end never changes the answer. Latin words stay space-separated.
    Lone surrogates (which the server's validators reject first) become spaces, not an error."""
    text = text[:NLU_MAX_CHARACTERS].encode("utf-8", "replace").decode("utf-8")
    text = normalize(text)
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    text = _CJK_SPACE.sub("", _SPACES.sub(" ", text).strip())
    stripped = _TRAILING_PARTICLES.sub("", text).strip()
    return stripped or text


def has_content(text: str) -> bool:
    """True when the text has at least one letter, digit or CJK character (not only emoji/punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


# English words citizens mix into Chinese questions, as the Chinese our training data uses for them.
# Longest phrases first; whole words only. Built from the Latin words most frequent in nlu_data/.
_ENGLISH = {
    "post office": "郵局", "health insurance card": "健保卡", "nhi card": "健保卡", "bank account": "銀行帳戶",
    "id card": "身分證", "id number": "身分證字號", "how much": "多少", "how many": "幾個", "how long": "多久",
    "sign up": "登記", "pick up": "領取", "credit card": "信用卡", "debit card": "金融卡", "last digit": "尾數",
    "phone number": "電話號碼", "customer service": "客服", "live agent": "真人客服", "real person": "真人",
    "passed away": "過世", "text message": "簡訊", "permanent residence": "永久居留", "residence permit": "居留證",
    "register": "登記", "registration": "登記", "registered": "登記", "apply": "申請", "application": "申請",
    "account": "帳戶", "bank": "銀行", "card": "卡", "claim": "領取", "collect": "領取", "withdraw": "領",
    "receive": "收到", "cash": "現金", "handout": "普發現金", "deposit": "入帳", "deposited": "入帳",
    "eligible": "資格", "eligibility": "資格", "qualify": "資格", "deadline": "期限", "online": "網路",
    "website": "網站", "site": "網站", "counter": "櫃檯", "baby": "寶寶", "newborn": "新生兒", "kid": "小孩",
    "kids": "小孩", "child": "小孩", "children": "小孩", "parents": "父母", "parent": "父母", "spouse": "配偶",
    "husband": "老公", "wife": "老婆", "mom": "媽媽", "dad": "爸爸", "grandma": "阿嬤", "grandpa": "阿公",
    "foreigner": "外籍", "foreign": "外籍", "overseas": "國外", "abroad": "國外", "passport": "護照",
    "proxy": "代領", "family": "家人", "household": "戶", "fail": "失敗", "failed": "失敗", "error": "錯誤",
    "status": "狀態", "check": "查詢", "verify": "驗證", "verification": "驗證", "scam": "詐騙", "fake": "假",
    "phishing": "詐騙", "fraud": "詐騙", "phone": "電話", "call": "打電話", "hotline": "專線", "tax": "稅",
    "income": "所得", "pension": "年金", "date": "日期", "time": "時間", "hours": "時間", "start": "開始",
    "open": "開放", "schedule": "時程", "today": "今天", "weekend": "周末", "late": "晚", "lost": "遺失",
    "password": "密碼", "pin": "密碼", "fee": "手續費", "free": "免費", "prison": "監獄", "police": "警察",
    "court": "法院", "died": "過世", "dead": "過世", "deceased": "過世", "disabled": "身心障礙",
    "disability": "身心障礙", "elderly": "長輩", "student": "學生", "citizen": "國民", "nationality": "國籍",
    "arc": "居留證", "aprc": "永久居留證", "nhi": "健保", "insurance": "保險", "transfer": "轉帳",
    "twice": "兩次", "double": "兩次", "when": "什麼時候", "where": "哪裡", "how": "怎麼", "why": "為什麼",
    "who": "誰", "which": "哪個", "change": "修改", "update": "更新", "wrong": "錯", "amount": "金額",
    "budget": "特別預算", "law": "法律", "legal": "法律", "government": "政府", "agency": "機關",
    "complaint": "申訴", "survey": "滿意度調查", "chatbot": "智能客服", "sms": "簡訊", "message": "訊息",
    "link": "連結", "screenshot": "截圖", "branch": "分行", "bring": "帶", "document": "文件",
    "documents": "文件", "photo": "照片", "name": "名字", "number": "號碼", "money": "錢", "pay": "付",
    "refund": "退還", "return": "退還", "guardian": "監護人", "hospital": "醫院", "queue": "排隊",
    "machine": "機器", "still": "還", "already": "已經",
}
_ENGLISH_RE = re.compile(r"(?<![a-z])(" + "|".join(map(re.escape, sorted(_ENGLISH, key=len, reverse=True)))
                         + r")(?![a-z])")


def english_to_chinese(text: str) -> str:
    """:func:`nlu_form` text with the English words of a mixed question replaced by their Chinese
    (「atm deadline 是哪天」→「atm期限是哪天」), so that a rare English phrasing meets the n-grams and
    neighbours of the many Chinese ones. Other Latin words stay."""
    if not re.search("[a-z]", text):
        return text
    replaced = _ENGLISH_RE.sub(lambda m: _ENGLISH[m.group(0)], text)
    return _CJK_SPACE.sub("", _SPACES.sub(" ", replaced).strip())
