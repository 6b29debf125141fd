"""The semantic engineer's loop, shared by the engineer page (API) and the CLI: review clusters
of misses, label them into nlu_data/, propose new intents, and gate deploys on a regression set."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from bot import model_store
from bot.clustering import cluster
from bot.compare import Comparison, compare
from bot.errors import HotlineError, ModelNotFoundError
from bot.evaluate import EvalRow, read_eval_file
from bot.intents import is_faq
from bot.pipeline import Pipeline
from handoff.engineering.misslog import MissLog
from handoff.storage.training import write_examples
from kb_sync.store import KnowledgeBase

LABEL_FILE = "labelled_misses.yml"


class ReviewError(HotlineError, ValueError):
    """A review action that cannot be done (unknown intent, nothing selected…); 422 unless the
    caller says otherwise (409 for a refused deploy, 404 for an unknown version)."""

    code, status = "review", 422

    def __init__(self, message: str, status: int | None = None, comparison: Comparison | None = None) -> None:
        super().__init__(message, status=status)
        self.comparison = comparison

    @property
    def detail(self) -> Any:
        """A refused deploy carries the comparison that refused it (the page shows it)."""
        if self.comparison is None:
            return str(self)
        return {"message": str(self), "comparison": self.comparison.as_dict()}


def clusters(misses: list[dict[str, Any]], vectors: np.ndarray) -> list[dict[str, Any]]:
    """Open misses grouped by similarity (``vectors``: one embedding per miss), largest first."""
    if not misses:
        return []
    numbers = cluster(vectors)
    grouped: dict[int, list[dict[str, Any]]] = {}
    for number, miss in zip(numbers, misses):
        grouped.setdefault(number, []).append(miss)
    result = []
    for number in sorted(grouped):
        items = grouped[number]
        # labels only from KB ids; the agent's inserted answer outranks a clicked suggestion
        labels = [m["suggested_label"] for m in items
                  if is_faq(m["suggested_label"]) and m["label_source"] == "agent_answer"] or \
                 [m["suggested_label"] for m in items if is_faq(m["suggested_label"])]
        predicted = [m["intent"] for m in items if m["intent"]]
        result.append({
            "cluster": number, "count": len(items),
            "first_seen": min(m["created_at"] for m in items), "last_seen": max(m["created_at"] for m in items),
            "suggested_label": max(set(labels), key=labels.count) if labels else None,
            "top_predicted": max(set(predicted), key=predicted.count) if predicted else None,
            "items": [{k: m[k] for k in ("id", "conversation_id", "citizen_seq", "text_masked", "intent", "confidence",
                                         "miss_reason", "suggested_label", "label_source", "created_at")}
                      for m in items],
        })
    return result


async def label(misslog: MissLog, ids: list[int], intent: str, nlu_dir: Path, known: set[str]) -> int:
    """Write the turns' (masked) texts as examples of ``intent``; returns how many were written."""
    if intent not in known or not is_faq(intent):
        raise ReviewError(f"unknown intent {intent!r}: label to a KB id or propose a new intent")
    turns = [t for t in await misslog.get(ids) if t["status"] == "open"]
    if not turns:
        raise ReviewError("none of these misses is open")
    written = write_examples(nlu_dir, LABEL_FILE, intent, [t["text_masked"] for t in turns])  # file or database
    await misslog.set_status([t["id"] for t in turns], "labelled", intent)
    return written


async def ignore(misslog: MissLog, ids: list[int]) -> int:
    return await misslog.set_status(ids, "ignored")


async def propose(misslog: MissLog, kb: KnowledgeBase, ids: list[int], question: str, category: str) -> str:
    """A draft KB entry (not live until a supervisor approves it with its answer)."""
    if not question.strip():
        raise ReviewError("a proposed intent needs a question")
    turns = [t for t in await misslog.get(ids) if t["status"] == "open"]
    if not turns:
        raise ReviewError("none of these misses is open")
    draft_id = kb.add_draft(question.strip(), category.strip() or "待分類",
                            examples=[t["text_masked"] for t in turns])
    await misslog.set_status([t["id"] for t in turns], "proposed", draft_id)
    return draft_id


async def regression_rows(dev_set: Path, misslog: MissLog) -> list[EvalRow]:
    """Dev questions plus labelled misses. A missing dev set is an error, never a weaker gate."""
    if not dev_set.is_file():
        raise ReviewError(f"regression set {dev_set} not found: set HOTLINE_REGRESSION_SET", status=409)
    return read_eval_file(dev_set) + [EvalRow(t["text"], t["intent"], []) for t in await misslog.labelled()]


def check_version(models_dir: Path, version: str) -> str:
    """``version`` if it names a model in ``models_dir`` (never a path elsewhere)."""
    if version not in model_store.versions(models_dir):
        raise ReviewError(f"no model version {version!r}", status=404)
    return version


def gate(models_dir: Path, candidate: str, rows: list[EvalRow], margins: tuple[float, float]) -> Comparison | None:
    """Compare ``candidate`` with the deployed model; None when nothing is deployed yet."""
    check_version(models_dir, candidate)
    current = model_store.deployed_version(models_dir)
    if current is None or current == candidate:
        return None
    return compare(Pipeline.load(model_store.local(models_dir, candidate)),  # fetched if trained elsewhere
                   Pipeline.load(model_store.local(models_dir, current)), rows, *margins)


def deploy_checked(models_dir: Path, candidate: str, comparison: Comparison | None, force: bool,
                   reason: str | None, who: str) -> str | None:
    """Deploy unless the gate refused; forcing needs a reason, which is logged."""
    check_version(models_dir, candidate)
    if comparison is not None and not comparison.allowed:
        if not force:
            raise ReviewError("deploy refused: " + "; ".join(comparison.reasons), 409, comparison)
        if not reason or not reason.strip():
            raise ReviewError("forcing a refused deploy needs a reason", 409, comparison)
    previous = model_store.deploy(models_dir, candidate)
    gate = comparison.as_dict() if comparison else {}
    entry = {"at": time.time(), "version": candidate, "previous": previous, "by": who, "forced": bool(force),
             "reason": reason, "gate": {k: v for k, v in gate.items() if k in ("candidate", "deployed", "allowed",
                                                                              "reasons")}}
    with (models_dir / "deploy_log.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return previous


def rollback(models_dir: Path) -> str:
    """Re-deploy the previously deployed version; 409 when no earlier deployment is recorded."""
    try:
        return model_store.rollback(models_dir)
    except ModelNotFoundError as exc:
        raise ReviewError(str(exc), status=409) from exc
