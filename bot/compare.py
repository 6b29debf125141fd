"""Compare a candidate model with the deployed one on a regression set, and gate the deploy.

The regression set is the dev questions plus every labelled miss. A candidate is refused when
its success drops, or its wrong-answer rate rises, by more than the configured margins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.evaluate import EvalRow, answered_intent, evaluate
from bot.pipeline import Pipeline


def right(row: EvalRow, result: dict[str, Any]) -> bool:
    got = answered_intent(result)
    return got in row.accepted if row.intent else got is None


@dataclass
class Comparison:
    candidate: dict[str, Any]
    deployed: dict[str, Any]
    fixed: list[dict[str, Any]] = field(default_factory=list)
    broken: list[dict[str, Any]] = field(default_factory=list)
    allowed: bool = True
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"candidate": self.candidate, "deployed": self.deployed, "fixed": self.fixed, "broken": self.broken,
                "allowed": self.allowed, "reasons": self.reasons}


def summary(report: dict[str, Any]) -> dict[str, Any]:
    return {k: report[k] for k in ("questions", "success", "wrong", "oos_rejected", "wrong_overall")}


def compare(candidate: Pipeline, deployed: Pipeline, rows: list[EvalRow], max_success_drop: float = 0.0,
            max_wrong_rise: float = 0.0) -> Comparison:
    texts = [r.text for r in rows]
    new, old = candidate.parse_batch(texts), deployed.parse_batch(texts)
    rep_new, rep_old = evaluate(rows, new), evaluate(rows, old)
    result = Comparison(summary(rep_new), summary(rep_old))
    for row, n, o in zip(rows, new, old):
        item = {"text": row.text, "expected": row.intent, "candidate": answered_intent(n), "deployed": answered_intent(o)}
        if right(row, n) and not right(row, o):
            result.fixed.append(item)
        elif right(row, o) and not right(row, n):
            result.broken.append(item)
    if rep_new["success"] < rep_old["success"] - max_success_drop:
        result.reasons.append(f"success drops from {rep_old['success']:.2%} to {rep_new['success']:.2%}")
    if rep_new["wrong"] > rep_old["wrong"] + max_wrong_rise:
        result.reasons.append(f"wrong answers rise from {rep_old['wrong']:.2%} to {rep_new['wrong']:.2%}")
    result.allowed = not result.reasons
    return result
