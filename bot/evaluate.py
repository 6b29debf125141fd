"""Rasa-style evaluation of a pipeline on a labelled JSONL file.

Row format: ``{"text", "intent" (KB id or null = out of scope), "also": [ids that also count]}``.
Definitions (also in README):

* answered: the pipeline did not fall back and its intent is an FAQ (KB) intent;
* success: in-scope question answered with the expected intent or one of ``also``;
* wrong: in-scope question answered with another KB intent;
* out-of-scope rejected: an out-of-scope question not answered;
* success / wrong rates are over in-scope questions; ``wrong_overall`` also counts answered
  out-of-scope questions, over all questions.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.intents import is_faq


@dataclass
class EvalRow:
    text: str
    intent: str | None
    also: list[str]

    @property
    def accepted(self) -> set[str]:
        return {self.intent, *self.also} if self.intent else set()


def read_eval_file(path: Path) -> list[EvalRow]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            rows.append(EvalRow(str(raw["text"]), raw.get("intent"), list(raw.get("also") or [])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not an evaluation row ({exc})") from exc
    return rows


def answered_intent(result: dict[str, Any]) -> str | None:
    name = result["intent"]["name"]
    return name if not result["fallback"] and is_faq(name) else None


def evaluate(rows: list[EvalRow], results: list[dict[str, Any]]) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    in_scope = [(r, p) for r, p in zip(rows, results) if r.intent]
    oos = [(r, p) for r, p in zip(rows, results) if not r.intent]
    success = sum(1 for r, p in in_scope if answered_intent(p) in r.accepted)
    wrong = sum(1 for r, p in in_scope if answered_intent(p) and answered_intent(p) not in r.accepted)
    oos_answered = sum(1 for _, p in oos if answered_intent(p))
    report: dict[str, Any] = {
        "questions": len(rows),
        "in_scope": len(in_scope),
        "out_of_scope": len(oos),
        "success": _rate(success, len(in_scope)),
        "wrong": _rate(wrong, len(in_scope)),
        "fallback_in_scope": _rate(len(in_scope) - success - wrong, len(in_scope)),
        "oos_rejected": _rate(len(oos) - oos_answered, len(oos)),
        "wrong_overall": _rate(wrong + oos_answered, len(rows)),
        "counts": {"success": success, "wrong": wrong, "oos_answered": oos_answered},
    }
    report["per_intent"] = _per_intent(rows, results)
    report["confused_pairs"] = _confused(in_scope)
    report["confidence_histogram"] = _histogram(rows, results)
    report["errors"] = [
        {"text": r.text, "expected": r.intent, "got": p["intent_ranking"][0]["name"] if p["intent_ranking"] else None,
         "confidence": p["intent_ranking"][0]["confidence"] if p["intent_ranking"] else 0.0,
         "fallback": p["fallback"], "reason": p.get("fallback_reason")}
        for r, p in zip(rows, results)
        if (r.intent and answered_intent(p) not in r.accepted) or (not r.intent and answered_intent(p))
    ]
    return report


def _rate(n: int, d: int) -> float:
    return round(n / d, 4) if d else 0.0


def _per_intent(rows: list[EvalRow], results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for r, p in zip(rows, results):
        got = answered_intent(p)
        expected = r.intent or "out_of_scope"
        if got and got in r.accepted:
            tp[got] += 1
            continue
        fn[expected] += 1
        if got:
            fp[got] += 1
    table = {}
    for intent in sorted(set(tp) | set(fp) | set(fn)):
        precision = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        recall = tp[intent] / (tp[intent] + fn[intent]) if tp[intent] + fn[intent] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[intent] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
                         "support": tp[intent] + fn[intent]}
    return table


def _confused(pairs: list[tuple[EvalRow, dict[str, Any]]]) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str]] = Counter()
    for r, p in pairs:
        top = p["intent_ranking"][0]["name"] if p["intent_ranking"] else None
        if r.intent and top and top not in r.accepted:
            counts[(r.intent, top)] += 1
    return [{"expected": a, "predicted": b, "count": n} for (a, b), n in counts.most_common(15)]


def _histogram(rows: list[EvalRow], results: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Top confidence in tenths, split into correct top guess vs not."""
    hist: dict[str, dict[str, int]] = defaultdict(lambda: {"right": 0, "not_right": 0})
    for r, p in zip(rows, results):
        conf = p["intent_ranking"][0]["confidence"] if p["intent_ranking"] else 0.0
        top = p["intent_ranking"][0]["name"] if p["intent_ranking"] else None
        bucket = f"{min(int(conf * 10), 9) / 10:.1f}"
        right = (top in r.accepted) if r.intent else (not is_faq(top))
        hist[bucket]["right" if right else "not_right"] += 1
    return dict(sorted(hist.items()))


def format_report(report: dict[str, Any]) -> str:
    """Human-readable summary for the terminal."""
    lines = [
        f"questions {report['questions']} (in scope {report['in_scope']}, out of scope {report['out_of_scope']})",
        f"success            {report['success']:.2%}",
        f"wrong answers      {report['wrong']:.2%}   (overall incl. answered out-of-scope: {report['wrong_overall']:.2%})",
        f"fallback in scope  {report['fallback_in_scope']:.2%}",
        f"out-of-scope rejected {report['oos_rejected']:.2%}",
        "",
        "most confused (expected → predicted top guess):",
    ]
    lines += [f"  {c['expected']} → {c['predicted']}  ×{c['count']}" for c in report["confused_pairs"][:10]]
    lines += ["", "confidence histogram (top guess right / not right):"]
    lines += [f"  {b}: {v['right']:4d} / {v['not_right']:4d}" for b, v in report["confidence_histogram"].items()]
    worst = sorted(((v["f1"], k) for k, v in report["per_intent"].items() if v["support"]))[:10]
    lines += ["", "lowest F1 intents: " + ", ".join(f"{k} {f:.2f}" for f, k in worst)]
    return "\n".join(lines)
