"""The semantic engineer's API: miss clusters, labelling, match rate, train, compare, deploy, rollback.

Refusals are domain errors (``ReviewError``, ``ModelNotFoundError``, training-data errors) answered
by the one handler (handoff/errors.py).
"""
from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from bot import model_store
from bot.clustering import embedder
from bot.errors import HotlineError
from bot.evaluate import EvalRow
from bot.training import train_model
from handoff.control import announce
from handoff.deps import CurrentEngineer, NLUDep, ServicesDep, SettingsDep
from handoff.engineering import review
from handoff.engineering.misslog import MissLog
from handoff.engineering.schemas import (
    Compared,
    Deployed,
    Ignored,
    Labelled,
    MatchRateRow,
    MissCluster,
    Models,
    Proposed,
    RolledBack,
    Trained,
)
from handoff.services import Services
from handoff.settings import Settings

router = APIRouter(prefix="/api", tags=["engineer"])


class TurnSelection(BaseModel):
    turn_ids: list[int] = Field(min_length=1, max_length=1000)


class LabelRequest(TurnSelection):
    intent: str = Field(min_length=1, max_length=64)


class ProposeRequest(TurnSelection):
    question: str = Field(min_length=1, max_length=500)
    category: str = Field("", max_length=100)


class DeployRequest(BaseModel):
    version: str | None = None
    force: bool = False
    reason: str | None = Field(None, max_length=500)


class MissLogOff(HotlineError):
    code, status = "misslog_off", 503


def _misslog(services: Services) -> MissLog:
    misslog = services.misslog
    if misslog is None:
        raise MissLogOff("the miss log is off")
    return misslog


@router.get("/misses/clusters", response_model=list[MissCluster])
async def miss_clusters(services: ServicesDep, nlu: NLUDep, user: CurrentEngineer) -> list[dict[str, Any]]:
    misses = await _misslog(services).open_misses()
    if not misses:
        return []
    vectors = await nlu.run(embedder(nlu.pipeline), [m["text_masked"] for m in misses])  # encoder's own thread
    return await asyncio.get_running_loop().run_in_executor(None, review.clusters, misses, vectors)


@router.post("/misses/label", response_model=Labelled)
async def label(body: LabelRequest, services: ServicesDep, settings: SettingsDep,
                user: CurrentEngineer) -> dict[str, Any]:
    known = set(services.known_intents())
    written = await review.label(_misslog(services), body.turn_ids, body.intent, settings.path(settings.nlu_data),
                                 known)
    return {"written": written, "file": f"nlu_data/{review.LABEL_FILE}", "intent": body.intent}


@router.post("/misses/ignore", response_model=Ignored)
async def ignore(body: TurnSelection, services: ServicesDep, user: CurrentEngineer) -> dict[str, int]:
    return {"ignored": await review.ignore(_misslog(services), body.turn_ids)}


@router.post("/misses/propose", response_model=Proposed)
async def propose(body: ProposeRequest, services: ServicesDep, user: CurrentEngineer) -> dict[str, str]:
    draft = await review.propose(_misslog(services), services.kb, body.turn_ids, body.question, body.category)
    return {"draft_id": draft, "status": "draft (a supervisor approves it with its answer)"}


@router.get("/match-rate", response_model=list[MatchRateRow])
async def match_rate(services: ServicesDep, user: CurrentEngineer,
                     period: str = Query("day", pattern="^(day|month)$")) -> list[dict[str, Any]]:
    return await _misslog(services).match_rate(period)


@router.get("/models", response_model=Models)
async def models(settings: SettingsDep, nlu: NLUDep, user: CurrentEngineer) -> dict[str, Any]:
    models_dir = settings.path(settings.models_dir)
    return {"serving": nlu.version, "deployed": model_store.deployed_version(models_dir),
            "versions": model_store.versions(models_dir)}


@router.post("/models/train", response_model=Trained)
async def train(services: ServicesDep, settings: SettingsDep, user: CurrentEngineer) -> dict[str, Any]:
    lock = services.train_lock
    if lock.locked():
        raise review.ReviewError("a training is already running", status=409)
    async with lock:
        out = await asyncio.get_running_loop().run_in_executor(None, lambda: train_model(
            settings.path(settings.config_path), settings.path(settings.nlu_data),
            settings.path(settings.models_dir), echo=False))
    return {"version": out.name}


def _version(settings: Settings, requested: str | None) -> str:
    """The named version (404 unless it is one of ours) or the newest (404 when none is trained)."""
    models_dir = settings.path(settings.models_dir)
    return review.check_version(models_dir, requested) if requested else model_store.latest(models_dir).name


async def _comparison(settings: Settings, services: Services, version: str) -> Any:
    rows: list[EvalRow] = await review.regression_rows(settings.path(settings.regression_set), _misslog(services))
    margins = (settings.gate_max_success_drop, settings.gate_max_wrong_rise)
    return await asyncio.get_running_loop().run_in_executor(
        None, review.gate, settings.path(settings.models_dir), version, rows, margins)


@router.post("/models/compare", response_model=Compared)
async def compare(body: DeployRequest, settings: SettingsDep, services: ServicesDep,
                  user: CurrentEngineer) -> dict[str, Any]:
    version = _version(settings, body.version)
    comparison = await _comparison(settings, services, version)
    return {"version": version, "comparison": comparison.as_dict() if comparison else None}


@router.post("/models/deploy", response_model=Deployed)
async def deploy(services: ServicesDep, body: DeployRequest, settings: SettingsDep, nlu: NLUDep,
                 user: CurrentEngineer) -> dict[str, Any]:
    models_dir = settings.path(settings.models_dir)
    version = _version(settings, body.version)
    comparison = await _comparison(settings, services, version)
    previous = review.deploy_checked(models_dir, version, comparison, body.force, body.reason, user["username"])
    await nlu.reload(models_dir / version)
    await announce(services.backends.broker, {"type": "deployed", "version": version})  # every other process swaps now
    return {"deployed": version, "previous": previous, "comparison": comparison.as_dict() if comparison else None}


@router.post("/models/rollback", response_model=RolledBack)
async def rollback(services: ServicesDep, settings: SettingsDep, nlu: NLUDep, user: CurrentEngineer) -> dict[str, Any]:
    models_dir = settings.path(settings.models_dir)
    version = review.rollback(models_dir)
    await nlu.reload(models_dir / version)
    await announce(services.backends.broker, {"type": "deployed", "version": version})
    return {"deployed": version}
