"""``POST /auth/login``: staff sign-in, answering a bearer token.

Throttled per username and per client address (handoff/security.py): after repeated failures an
attempt inside the growing delay gets 429 with ``Retry-After``. A failure takes the same time
whether or not the username exists.
"""
from __future__ import annotations

import asyncio
import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import AfterValidator, BaseModel, Field

from handoff.api.views import LoginResult, Me
from handoff.auth import check_login, issue_token
from handoff.deps import CurrentStaff, ServicesDep
from handoff.validation import storable

router = APIRouter(prefix="/auth", tags=["auth"])


class Login(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(storable)]
    password: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(storable)]


@router.post("/login", response_model=LoginResult, responses={401: {"description": "wrong username or password"},
                                  429: {"description": "too many failures: wait Retry-After seconds"}})
async def login(body: Login, request: Request, services: ServicesDep) -> dict[str, Any]:
    hub, settings, throttle = services.hub, services.settings, services.login_throttle
    address = request.client.host if request.client else "-"
    wait = await throttle.retry_after(body.username, address)
    if wait > 0:
        raise HTTPException(429, "too many failed logins; try again later",
                            headers={"Retry-After": str(math.ceil(wait))})
    user = await hub.store.get_user(body.username)
    if not await asyncio.to_thread(check_login, body.password, user):  # bcrypt off the event loop
        await throttle.failed(body.username, address)
        raise HTTPException(401, "wrong username or password")
    assert user is not None
    await throttle.succeeded(body.username)
    token = await issue_token(hub.store.db, user["username"], services.clock, settings.token_ttl_seconds)
    return {"token": token, "role": user["role"], "username": user["username"]}


@router.get("/me", response_model=Me)
async def me(user: CurrentStaff) -> dict[str, Any]:
    return {"username": user["username"], "role": user["role"], "capacity": user["capacity"]}
