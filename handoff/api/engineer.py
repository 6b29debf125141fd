"""The semantic engineer's API: miss clusters, labelling, match rate, train, compare, deploy."""
from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from bot import model_store
from bot.clustering import embedder
from bot.errors import HotlineError
from handoff import review
from handoff.control import announce
from handoff.deps import CurrentEngineer, HubDep, NLUDep, ServicesDep, SettingsDep

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


def _misslog(hub: Any) -> Any:
    if hub.misslog is None:
        raise HTTPException(503, "the miss log is off")
    return hub.misslog


@router.get("/misses/clusters")
async def miss_clusters(hub: HubDep, nlu: NLUDep, user: CurrentEngineer) -> list[dict[str, Any]]:
    misses = await _misslog(hub).open_misses()
    if not misses:
        return []
    vectors = await nlu.run(embedder(nlu.pipeline), [m["text_masked"] for m in misses])  # encoder's own thread
    return await asyncio.get_running_loop().run_in_executor(None, review.clusters, misses, vectors)


@router.post("/misses/label")
async def label(body: LabelRequest, services: ServicesDep, hub: HubDep, settings: SettingsDep,
                user: CurrentEngineer) -> dict[str, Any]:
    known = set(services.known_intents())
    try:
        written = await review.label(_misslog(hub), body.turn_ids, body.intent, settings.path(settings.nlu_data), known)
    except review.ReviewError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"written": written, "file": f"nlu_data/{review.LABEL_FILE}", "intent": body.intent}


@router.post("/misses/ignore")
async def ignore(body: TurnSelection, hub: HubDep, user: CurrentEngineer) -> dict[str, int]:
    return {"ignored": await review.ignore(_misslog(hub), body.turn_ids)}


@router.post("/misses/propose")
async def propose(body: ProposeRequest, services: ServicesDep, hub: HubDep, user: CurrentEngineer) -> dict[str, str]:
    try:
        draft = await review.propose(_misslog(hub), services.kb, body.turn_ids, body.question, body.category)
    except review.ReviewError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"draft_id": draft, "status": "draft (a supervisor approves it with its answer)"}


@router.get("/match-rate")
async def match_rate(hub: HubDep, settings: SettingsDep, user: CurrentEngineer,
                     period: str = Query("day", pattern="^(day|month)$")) -> list[dict[str, Any]]:
    return await _misslog(hub).match_rate(period)


@router.get("/models")
async def models(settings: SettingsDep, nlu: NLUDep, user: CurrentEngineer) -> dict[str, Any]:
    models_dir = settings.path(settings.models_dir)
    return {"serving": nlu.version, "deployed": model_store.deployed_version(models_dir),
            "versions": model_store.versions(models_dir)}


@router.post("/models/train")
async def train(services: ServicesDep, settings: SettingsDep, user: CurrentEngineer) -> dict[str, Any]:
    from bot.cli import train_model

    lock = services.train_lock
    if lock.locked():
        raise HTTPException(409, "a training is already running")
    async with lock:
        try:
            out = await asyncio.get_running_loop().run_in_executor(None, lambda: train_model(
                settings.path(settings.config_path), settings.path(settings.nlu_data),
                settings.path(settings.models_dir), echo=False))
        except HotlineError as exc:
            raise HTTPException(422, str(exc)) from exc
    return {"version": out.name}


def _version(settings: Any, requested: str | None) -> str:
    models_dir = settings.path(settings.models_dir)
    try:
        return review.check_version(models_dir, requested) if requested else model_store.latest(models_dir).name
    except (review.ReviewError, HotlineError) as exc:
        raise HTTPException(404, str(exc)) from exc


async def _comparison(settings: Any, hub: Any, version: str) -> Any:
    try:
        rows = await review.regression_rows(settings.path(settings.regression_set), _misslog(hub))
    except review.ReviewError as exc:
        raise HTTPException(409, str(exc)) from exc
    margins = (settings.gate_max_success_drop, settings.gate_max_wrong_rise)
    return await asyncio.get_running_loop().run_in_executor(
        None, review.gate, settings.path(settings.models_dir), version, rows, margins)


@router.post("/models/compare")
async def compare(body: DeployRequest, settings: SettingsDep, hub: HubDep, user: CurrentEngineer) -> dict[str, Any]:
    version = _version(settings, body.version)
    comparison = await _comparison(settings, hub, version)
    return {"version": version, "comparison": comparison.as_dict() if comparison else None}


@router.post("/models/deploy")
async def deploy(services: ServicesDep, body: DeployRequest, settings: SettingsDep, hub: HubDep, nlu: NLUDep,
                 user: CurrentEngineer) -> dict[str, Any]:
    models_dir = settings.path(settings.models_dir)
    version = _version(settings, body.version)
    comparison = await _comparison(settings, hub, version)
    try:
        previous = review.deploy_checked(models_dir, version, comparison, body.force, body.reason, user["username"])
    except review.ReviewError as exc:
        raise HTTPException(409, {"message": str(exc), "comparison": comparison.as_dict() if comparison else None}) from exc
    await nlu.reload(models_dir / version)
    await announce(services.backends.broker, {"type": "deployed", "version": version})  # every other process swaps now
    return {"deployed": version, "previous": previous, "comparison": comparison.as_dict() if comparison else None}


@router.post("/models/rollback")
async def rollback(services: ServicesDep, settings: SettingsDep, nlu: NLUDep, user: CurrentEngineer) -> dict[str, Any]:
    models_dir = settings.path(settings.models_dir)
    try:
        version = model_store.rollback(models_dir)
    except HotlineError as exc:
        raise HTTPException(409, str(exc)) from exc
    await nlu.reload(models_dir / version)
    await announce(services.backends.broker, {"type": "deployed", "version": version})
    return {"deployed": version}
