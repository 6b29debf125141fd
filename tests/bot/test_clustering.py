"""Miss clusters separate topics: a seeded mix of six topics (five varied misses each, written for
this test) comes back as about six clusters, each topic mostly in its own."""
from __future__ import annotations

from collections import Counter

from sklearn.metrics import adjusted_rand_score

from bot.clustering import cluster, embedder

TOPICS = {
    "scam": ["收到簡訊說點連結就能領六千是真的嗎", "有人傳line叫我輸入卡號領普發", "陌生電話說要幫我解除分期才能領錢",
             "這個領取6000的網址看起來怪怪的", "簡訊要我填銀行密碼才能入帳"],
    "post_hours": ["郵局下午幾點關門還能領嗎", "郵局中午休息時間可以辦普發嗎", "晚上郵局還有開可以領六千嗎", "郵局營業到幾點",
                   "早上八點郵局就能領了嗎"],
    "lost_card": ["健保卡弄丟了怎麼登記", "我的健保卡找不到還能領六千嗎", "健保卡遺失補辦中可以先領嗎", "卡片掉了號碼不記得怎麼辦",
                  "健保卡被偷了要怎麼領普發"],
    "foreign_spouse": ["我老婆是越南人可以領嗎", "印尼籍配偶有沒有六千", "外配拿居留證可以領普發嗎", "我先生是日本人有資格嗎",
                       "新住民配偶要怎麼領"],
    "wrong_account": ["登記的帳號打錯一碼怎麼辦", "帳戶填錯了可以改嗎", "銀行代碼選錯了錢會跑去哪", "我把帳號輸入成別人的了",
                      "登記完才發現帳號錯要去哪裡改"],
    "deceased": ["爸爸上個月過世他的六千還能領嗎", "往生的家人普發怎麼處理", "阿公走了他的錢可以代領嗎", "過世的人有普發嗎",
                 "媽媽剛過世可以拿她健保卡去領嗎"],
}


def test_a_seeded_mix_of_six_topics_is_separated() -> None:
    texts = [t for items in TOPICS.values() for t in items]
    gold = [topic for topic, items in TOPICS.items() for _ in items]
    labels = cluster(embedder(None)(texts))
    assert 5 <= len(set(labels)) <= 9, Counter(labels)
    assert adjusted_rand_score(gold, labels) >= 0.8
    majority = {topic: Counter(l for l, g in zip(labels, gold) if g == topic).most_common(1)[0][0] for topic in TOPICS}
    assert len(set(majority.values())) == len(TOPICS)  # no two topics share their main cluster


def test_one_or_no_miss_is_one_cluster() -> None:
    assert cluster(embedder(None)(["只有一則"])) == [0]
    assert cluster(embedder(None)([])) == []
