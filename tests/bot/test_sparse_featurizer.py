"""The single-query fast path of SparseNgramFeaturizer equals sklearn's transform."""
from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.components.sparse_featurizer import fast_transform

DOCS = ["atm領現什麼時候開始", "郵局臨櫃幾號可以領", "普發現金什麼時候可以領", "登記入帳要準備什麼", "atm atm 領領領"]


def test_fast_transform_equals_sklearn_for_chars_and_token_lists() -> None:
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True).fit(DOCS)
    queries = ["atm什麼時候可以領？", "沒見過的字龘", ""]
    assert np.allclose(fast_transform(chars, queries).toarray(), chars.transform(queries).toarray())
    words = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True).fit([d.split("領") for d in DOCS])
    tokens = [["atm", "atm", "什麼時候開始"], ["沒有"]]
    assert np.allclose(fast_transform(words, tokens).toarray(), words.transform(tokens).toarray())
