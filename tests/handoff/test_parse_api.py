from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import running_server


@pytest.fixture(scope="module")
def server(small_project: Path) -> Iterator[str]:
    with running_server(small_project) as url:
        yield url


def test_parse_returns_rasa_shape(server: str) -> None:
    body = httpx.post(f"{server}/model/parse", json={"text": "ATM什麼時候可以領6000"}).json()
    assert body["intent"]["name"] == "ATM-001"
    assert {"text", "intent", "intent_ranking", "entities"} <= set(body)
    assert body["entities"] == [] and body["fallback"] is False


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({"text": ""}, 422, "empty"),
        ({"text": "   \n"}, 422, "empty"),
        ({"text": "普" * 2001}, 413, "2000"),
        ({"txt": "hi"}, 422, None),
        ({"text": 5}, 422, None),
    ],
)
def test_bad_parse_requests_get_a_clear_4xx(server: str, payload: dict, status: int, detail: str | None) -> None:
    response = httpx.post(f"{server}/model/parse", json=payload)
    assert response.status_code == status
    if detail:
        assert detail in response.json()["detail"]


def test_malformed_json_is_a_4xx(server: str) -> None:
    response = httpx.post(f"{server}/model/parse", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


@pytest.mark.parametrize("text", ["😀😀", "<img src=x onerror=alert(1)>", "\x00\x07控制字元"])
def test_odd_text_is_parsed_with_a_defined_result(server: str, text: str) -> None:
    body = httpx.post(f"{server}/model/parse", json={"text": text}).json()
    assert body["text"] == text and isinstance(body["fallback"], bool)
