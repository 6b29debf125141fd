"""HTTP hardening in front of every route: security headers, a guard on JSON bodies, login
throttling, and an OpenAPI schema that says what the error bodies really look like.

- Headers: every response gets ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy``; pages
  get a Content-Security-Policy without inline script. Staff pages and the API may not be framed
  (``frame-ancestors 'none'``); the citizen demo page may be framed by its own site only.
- JSON guard: a body with a lone surrogate, NUL in a key, an integer beyond 64 bits or nesting
  deeper than ``MAX_DEPTH`` is refused with 422 before any route sees it, so no router (also one
  added later) can hand such a value to SQLite, PostgreSQL or the NLU.
- Login throttling: after ``free_failures`` wrong passwords for one username (or ``5 ×`` that from
  one client address) each further attempt must wait a delay that doubles per failure, from
  ``base_delay`` up to ``max_delay``; an attempt inside the delay gets 429 with ``Retry-After``.
  A success clears the username's count. Counts are per server process.
"""
from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.hours import Clock, SystemClock
from handoff.validation import INT64_MAX

MAX_DEPTH = 32
MAX_BODY_BYTES = 2 * 1024 * 1024
_BASE_CSP = ("default-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
             "object-src 'none'; base-uri 'none'; form-action 'self'")
STAFF_CSP = f"{_BASE_CSP}; style-src 'self'; frame-ancestors 'none'"
# The citizen demo page keeps its small inline stylesheet (styles cannot run code); no inline script.
CITIZEN_CSP = f"{_BASE_CSP}; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'"
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# FastAPI's /docs and /redoc pages are inline-script pages from a CDN: their own, looser policy.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; style-src 'self' "
            "'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "frame-ancestors 'none'")


def content_security_policy(path: str, content_type: bytes) -> str:
    """The policy for one response: by page for HTML, the strictest for everything else."""
    if path.startswith(("/docs", "/redoc")):
        return DOCS_CSP
    if path == "/":
        return CITIZEN_CSP
    if b"text/html" in content_type or path.startswith("/static/"):
        return STAFF_CSP  # staff pages, the public case-status page, scripts and styles
    return API_CSP


class SecurityHeaders:
    """Pure ASGI middleware (websockets pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                csp = content_security_policy(scope["path"], content_type)
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"content-security-policy", csp.encode()), (b"x-frame-options",
                            b"SAMEORIGIN" if scope["path"] == "/" else b"DENY"),
                            (b"cross-origin-opener-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def unusable_json(value: Any) -> str | None:
    """Why ``value`` (parsed JSON) may not reach a route, or None. Iterative: no recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"JSON nested deeper than {MAX_DEPTH} levels"
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "text must be valid Unicode (no lone surrogates)"
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            if isinstance(item, float) and not math.isfinite(item):
                return "numbers must be finite"
        elif isinstance(item, int):
            if not -INT64_MAX - 1 <= item <= INT64_MAX:
                return "integers must fit in 64 bits"
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return None


def _wants_int(annotation: Any) -> bool:
    import typing

    return annotation is int or int in typing.get_args(annotation)


def oversized_ints(route: Any, path_params: dict[str, str], query: Any) -> list[str]:
    """Names of integer path/query parameters whose value is an integer beyond 64 bits: refused
    before the route runs (SQLite and PostgreSQL raise on them)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return []
    bad = []
    for param in [*dependant.path_params, *dependant.query_params]:
        if not _wants_int(param.field_info.annotation):
            continue
        raw = path_params.get(param.name) if param in dependant.path_params else query.get(param.alias or param.name)
        text = str(raw or "").strip()
        digits = text.lstrip("+-")
        if digits.isdigit() and digits.isascii() and len(digits) > 18 and (
                len(digits) > 20 or not -INT64_MAX - 1 <= int(text) <= INT64_MAX):
            bad.append(param.name)
    return bad


async def _reply(send: Send, status: int, detail: Any, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class JSONBodyGuard:
    """Pure ASGI middleware: reads a JSON request body once, refuses unusable values with 422,
    and replays the body to the app. Bodies that are not JSON pass through (the route answers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        if b"json" not in content_type:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_BODY_BYTES:
                await _reply(send, 413, f"request body larger than {MAX_BODY_BYTES} bytes")
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        problem = None
        try:
            problem = unusable_json(json.loads(body)) if body else None
        except RecursionError:
            problem = f"JSON nested deeper than {MAX_DEPTH} levels"
        except (ValueError, UnicodeDecodeError):  # not JSON: the route's own 422
            problem = None
        if problem:
            await _reply(send, 422, [{"loc": ["body"], "msg": problem, "type": "value_error"}])
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


@dataclass
class Failures:
    count: int = 0
    last: float = 0.0


class FailureStore(Protocol):
    """Where failed logins are counted: per process in memory, or the shared database
    (``handoff/storage/login_failures.py``) so every app server behind nginx throttles as one."""

    async def get(self, kind: str, key: str) -> Failures | None: ...
    async def add(self, kind: str, key: str, now: float) -> None: ...
    async def clear(self, kind: str, key: str) -> None: ...


@dataclass
class MemoryFailures:
    tables: dict[str, dict[str, Failures]] = field(default_factory=dict)

    async def get(self, kind: str, key: str) -> Failures | None:
        return self.tables.get(kind, {}).get(key)

    async def add(self, kind: str, key: str, now: float) -> None:
        table = self.tables.setdefault(kind, {})
        if len(table) > 100_000:  # bounded memory under a username spray
            table.clear()
        entry = table.setdefault(key, Failures())
        entry.count, entry.last = entry.count + 1, now

    async def clear(self, kind: str, key: str) -> None:
        self.tables.get(kind, {}).pop(key, None)


@dataclass
class LoginThrottle:
    """Growing delays after repeated login failures, per username and per client address."""

    clock: Clock = field(default_factory=SystemClock)
    store: FailureStore = field(default_factory=MemoryFailures)
    free_failures: int = 5
    base_delay: float = 1.0
    max_delay: float = 900.0
    address_factor: int = 5

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _wait(self, failures: Failures | None, free: int) -> float:
        if failures is None or failures.count < free:
            return 0.0
        delay = min(self.max_delay, self.base_delay * 2 ** (failures.count - free))
        return max(0.0, failures.last + delay - self._now())

    async def retry_after(self, username: str, address: str) -> float:
        """Seconds to wait before this attempt is allowed (0: go ahead)."""
        return max(self._wait(await self.store.get("user", username.casefold()), self.free_failures),
                   self._wait(await self.store.get("address", address), self.free_failures * self.address_factor))

    async def failed(self, username: str, address: str) -> None:
        now = self._now()
        await self.store.add("user", username.casefold(), now)
        await self.store.add("address", address, now)

    async def succeeded(self, username: str) -> None:
        await self.store.clear("user", username.casefold())


class WindowLimiter:
    """At most ``limit`` hits per key in a sliding window (the citizens' case-status lookups)."""

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self.hits: dict[str, deque[float]] = {}

    def allow(self, key: str, limit: int, now: float) -> bool:
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(self.hits) > 10_000:  # forget idle clients so the table stays small
            for idle in [k for k, v in self.hits.items() if not v]:
                del self.hits[idle]
        if len(hits) >= limit:
            return False
        hits.append(now)
        return True


def patch_openapi(app: Any) -> None:
    """Routes answer 422 with FastAPI's list of errors or with one message string: say so in the
    schema, so clients (and Schemathesis) check responses against what is really sent."""
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        error = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if error:
            error["properties"]["detail"] = {"anyOf": [
                {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}, {"type": "string"}],
                "title": "Detail"}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
