"""``POST /auth/login``: staff sign-in, answering a bearer token."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from handoff.auth import TOKEN_TTL_SECONDS, check_password, digest, new_token
from handoff.deps import CurrentStaff, HubDep

router = APIRouter(prefix="/auth", tags=["auth"])


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


@router.post("/login")
async def login(body: Login, hub: HubDep) -> dict[str, Any]:
    user = await hub.store.get_user(body.username)
    if user is None or not check_password(body.password, user["password_hash"]):
        raise HTTPException(401, "wrong username or password")
    token = new_token("s")
    await hub.store.add_token(digest(token), user["username"], TOKEN_TTL_SECONDS)
    return {"token": token, "role": user["role"], "username": user["username"]}


@router.get("/me")
async def me(user: CurrentStaff) -> dict[str, Any]:
    return {"username": user["username"], "role": user["role"], "capacity": user["capacity"]}
