"""The one error tree and its one HTTP handler: a domain error answers its status, ``{"detail", "code"}``
and ``X-Error-Code``, whichever router raised it."""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import bot
import handoff
import kb_sync
from bot.errors import HotlineError, ModelNotFoundError
from handoff import errors
from handoff.cases.lifecycle import CaseError
from handoff.engineering.review import ReviewError
from kb_sync.errors import EntryNotFound


def _client(exc: Exception) -> TestClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(("exc", "status", "code", "detail"), [
    (CaseError("consent_required", "需要同意", 422), 422, "consent_required", "需要同意"),
    (EntryNotFound("沒有知識庫條目 X"), 404, "kb_not_found", "沒有知識庫條目 X"),
    (ModelNotFoundError("no model"), 404, "no_model", "no model"),
    (ReviewError("no regression set", status=409), 409, "review", "no regression set"),
    (HotlineError("anything else", code="custom", status=418), 418, "custom", "anything else"),
])
def test_a_domain_error_answers_its_status_code_and_header(exc: Exception, status: int, code: str,
                                                          detail: str) -> None:
    response = _client(exc).get("/boom")
    assert response.status_code == status
    assert response.json() == {"detail": detail, "code": code}
    assert response.headers["X-Error-Code"] == code


def test_an_error_that_is_not_ours_stays_a_500() -> None:
    assert _client(RuntimeError("bug")).get("/boom").status_code == 500


def _all_modules() -> None:
    for package in (bot, kb_sync, handoff):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_every_error_of_the_tree_has_a_code_and_an_http_status() -> None:
    _all_modules()
    found = _subclasses(HotlineError)
    assert len(found) >= 20
    for cls in found:
        assert isinstance(cls.code, str) and cls.code, cls
        assert isinstance(cls.status, int) and 400 <= cls.status < 600, cls
        assert cls.__module__.split(".")[0] in ("bot", "kb_sync", "handoff"), cls
