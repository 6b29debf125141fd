"""The contact centre's fixed vocabularies, served to every staff page by ``GET /api/catalog``.

The wrap-up categories follow the agencies' Q&A set's topics plus 客服與申訴, 特殊狀況 and 其他;
the pages read them from the server instead of each keeping its own copy.
"""
from __future__ import annotations

WRAPUP_CATEGORIES: tuple[str, ...] = (
    "政策緣由與金額", "發放對象與資格", "發放時程與期限", "稅務扣押與法規", "新生兒與未成年", "登記入帳", "直接入帳",
    "網站操作與技術問題", "ATM領現", "郵局領現", "造冊發放", "代領與委託", "旅居國外", "外籍人士與陸港澳",
    "防詐騙與個資", "客服與申訴", "特殊狀況", "其他",
)
