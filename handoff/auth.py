"""Staff accounts and tokens. Passwords are bcrypt hashes; tokens are random and stored only as
SHA-256 digests, so a leaked database holds no usable token."""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

import bcrypt
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from bot.hours import Clock
from handoff.storage.database import Database
from handoff.storage.schema import auth_tokens, users

ROLES = ("agent", "engineer", "supervisor", "agency")
CHAT_ROLES = ("agent", "supervisor")
TOKEN_TTL_SECONDS = 8 * 3600  # one shift; HOTLINE_TOKEN_TTL_SECONDS


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


# tokens and accounts, on the injectable clock ----------------------------------------------------
_DUMMY_HASH: list[str] = []


def check_login(password: str, user: dict[str, Any] | None) -> bool:
    """bcrypt is run whether or not the user exists (or is disabled), so the time a failure takes
    does not tell an attacker which usernames exist."""
    if user is None or user.get("disabled"):
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password(secrets.token_hex(16)))
        check_password(password, _DUMMY_HASH[0])
        return False
    return check_password(password, user["password_hash"])


async def issue_token(db: Database, username: str, clock: Clock, ttl_seconds: float) -> str:
    token = new_token("s")
    now = clock.now().timestamp()
    await db.write(lambda c: c.execute(insert(auth_tokens).values(
        token_hash=digest(token), username=username, created_at=now, expires_at=now + ttl_seconds)))
    return token


async def staff_for_token(db: Database, token: str, clock: Clock) -> dict[str, Any] | None:
    """The enabled user a staff token belongs to, if it has not expired (by ``clock``)."""
    if not token.startswith("s_") or len(token) > 100:
        return None
    token_hash, now = digest(token), clock.now().timestamp()

    def q(c: Connection) -> Any:
        return c.execute(select(users).join(auth_tokens, auth_tokens.c.username == users.c.username)
                         .where(auth_tokens.c.token_hash == token_hash, auth_tokens.c.expires_at > now)).first()

    row = await db.read(q)
    if row is None or row._mapping.get("disabled"):
        return None
    return dict(row._mapping)


def set_disabled_sync(db: Database, username: str, disabled: bool) -> bool:
    """Disable (and log out everywhere) or re-enable an account; False when there is no such user."""
    def write(c: Connection) -> bool:
        found = c.execute(update(users).where(users.c.username == username).values(disabled=disabled)).rowcount
        if found and disabled:
            c.execute(delete(auth_tokens).where(auth_tokens.c.username == username))
        return bool(found)

    return db.write_sync(write)


def set_password_sync(db: Database, username: str, password: str) -> bool:
    """A new password; every token of the user is revoked. False when there is no such user."""
    hashed = hash_password(password)

    def write(c: Connection) -> bool:
        found = c.execute(update(users).where(users.c.username == username).values(password_hash=hashed)).rowcount
        if found:
            c.execute(delete(auth_tokens).where(auth_tokens.c.username == username))
        return bool(found)

    return db.write_sync(write)
