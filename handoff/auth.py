"""Staff accounts and tokens. Passwords are bcrypt hashes; tokens are random and stored only as
SHA-256 digests, so a leaked database holds no usable token."""
from __future__ import annotations

import hashlib
import secrets

import bcrypt

ROLES = ("agent", "engineer", "supervisor", "agency")
CHAT_ROLES = ("agent", "supervisor")
TOKEN_TTL_SECONDS = 12 * 3600


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=10)).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
