"""KB upkeep through a real server: edit → pending → approve → revision + announcement → the bot
answers with the new text at once → agents acknowledge → the supervisor sees who did."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from bot.training_data import read_nlu_file
from handoff.kb_live import LiveKB, watch_kb
from kb_sync.readers import Entry
from kb_sync.store import KnowledgeBase
from tests.chat_client import Agent, login
from tests.conftest import OPEN_CLOCK
from tests.projects import private_project
from tests.servers import running_server

QUESTION = "ATM什麼時候可以領6000"


@pytest.fixture(scope="module")
def project(kb_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return private_project(kb_project, tmp_path_factory.mktemp("kb_admin"), nlu_data="empty")


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[str]:
    with running_server(project, env={"HOTLINE_CLOCK": OPEN_CLOCK}) as url:
        yield url


@pytest.fixture
def staff(server: str) -> Iterator[Callable[[str], httpx.Client]]:
    """Logged-in API clients by username, closed after the test."""
    clients: list[httpx.Client] = []

    def make(username: str) -> httpx.Client:
        clients.append(httpx.Client(base_url=server, timeout=30,
                                    headers={"Authorization": f"Bearer {login(server, username)}"}))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def bot_answer(base: str, sender: str, text: str = QUESTION) -> str:
    replies = httpx.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30).json()
    return "\n".join(r["text"] for r in replies)


def test_an_approved_edit_is_live_at_once_announced_and_acknowledged(server: str, project: Path, staff: Any) -> None:
    boss, agent1, agent2 = staff("boss"), staff("agent1"), staff("agent2")
    intent = httpx.post(f"{server}/model/parse", json={"text": QUESTION}).json()["intent"]["name"]
    old_answer = KnowledgeBase(project / "var" / "chat.db").get(intent)["answer"]
    assert old_answer in bot_answer(server, "before")
    new_answer = "【更新】提款卡插入任一臺 ATM 即可領取，每日 24 小時皆可領；跨行手續費由政府負擔。"

    assert agent1.put(f"/api/kb/entries/{intent}", json={"answer": new_answer}).status_code == 403
    edit = boss.put(f"/api/kb/entries/{intent}", json={"answer": new_answer})
    assert edit.status_code == 200 and edit.json()["status"] == "pending"
    review = boss.get("/api/kb/review").json()
    item = next(i for i in review if i["entry_id"] == intent)
    assert item["before"]["answer"] == old_answer and item["after"]["answer"] == new_answer
    assert [c["field"] for c in item["changes"]] == ["answer"] and item["proposed_by"] == "boss"
    assert old_answer in bot_answer(server, "pending")  # nothing is live before approval

    assert agent1.post(f"/api/kb/entries/{intent}/approve", json={}).status_code == 403
    console = Agent(server, "agent2")  # a connected console is told at once, not at its next poll
    approved = boss.post(f"/api/kb/entries/{intent}/approve", json={"note": "跨行手續費說明"})
    assert approved.status_code == 200, approved.text
    result = approved.json()
    assert console.wait_type("announcement")["id"] == result["announcement_id"]
    console.close()
    assert result["action"] == "changed" and result["retrain_needed"] is False
    revision = result["revision"]

    assert new_answer in bot_answer(server, "after")  # the running server answers with the new text
    found = agent1.get("/api/kb/search", params={"q": "跨行手續費由政府負擔"}).json()
    assert found[0]["id"] == intent and found[0]["answer"] == new_answer  # search index rebuilt
    detail = boss.get(f"/api/kb/entries/{intent}/history").json()
    assert detail["revisions"][0]["revision"] == revision and detail["revisions"][0]["answer"] == new_answer
    assert detail["revisions"][1]["answer"] == old_answer

    mine = agent1.get("/api/announcements").json()
    assert [(a["kb_id"], a["revision"]) for a in mine] == [(intent, revision)]
    assert intent in mine[0]["title"] and "修改答案" in mine[0]["title"]
    assert new_answer in mine[0]["body"] and "跨行手續費說明" in mine[0]["body"]
    status = boss.get("/api/kb/announcements").json()[0]
    assert status["acks"] == [] and status["pending"] == ["agent1", "agent2"]

    acked = agent1.post(f"/api/announcements/{mine[0]['id']}/ack")
    assert acked.status_code == 200
    again = agent1.post(f"/api/announcements/{mine[0]['id']}/ack").json()
    assert again["acked_at"] == acked.json()["acked_at"]  # acknowledging twice changes nothing
    assert agent1.get("/api/announcements").json() == []
    assert agent1.get("/api/announcements", params={"all": "true"}).json()[0]["acked_at"] is not None
    assert len(agent2.get("/api/announcements").json()) == 1
    status = boss.get("/api/kb/announcements").json()[0]
    assert [a["username"] for a in status["acks"]] == ["agent1"] and status["pending"] == ["agent2"]
    assert agent1.get("/api/kb/announcements").status_code == 403
    assert agent1.post("/api/announcements/999999/ack").status_code == 404

    out = project / "kb_final.jsonl"
    env = {**os.environ, "HOTLINE_HOME": str(project)}
    subprocess.run([sys.executable, "-m", "handoff.cli", "kb", "export", "--output", str(out)], env=env, check=True,
                   capture_output=True)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    history = [r for r in rows if r["type"] == "history" and r["entry_id"] == intent]
    assert [h["answer"] for h in history] == [old_answer, new_answer]
    assert history[-1]["author"] == "boss" and history[-1]["revision"] == revision
    assert next(r for r in rows if r["type"] == "entry" and r["id"] == intent)["answer"] == new_answer


def test_a_draft_is_approved_with_its_examples_written_as_training_data(server: str, project: Path, staff: Any) -> None:
    boss = staff("boss")
    kb = KnowledgeBase(project / "var" / "chat.db")
    draft = kb.add_draft("普發現金可以捐給公益團體嗎？", "特殊狀況", examples=["6000能不能捐出去", "普發可以捐給慈善機構嗎"])
    item = next(i for i in boss.get("/api/kb/review").json() if i["entry_id"] == draft)
    assert item["kind"] == "new" and item["before"] is None and len(item["examples"]) == 2
    refused = boss.post(f"/api/kb/entries/{draft}/approve", json={})
    assert refused.status_code == 422 and "answer" in refused.json()["detail"]
    boss.put(f"/api/kb/entries/{draft}", json={"answer": "可以。領取後由您自行捐給想支持的公益團體。", "agency": "財政部"})
    result = boss.post(f"/api/kb/entries/{draft}/approve", json={}).json()
    assert result["action"] == "added" and result["retrain_needed"] is True
    assert result["training_file"] == "nlu_data/approved_drafts.yml"
    written = read_nlu_file(project / "nlu_data" / "approved_drafts.yml").examples
    assert written[draft] == ["普發現金可以捐給公益團體嗎？", "6000能不能捐出去", "普發可以捐給慈善機構嗎"]
    assert boss.get("/api/kb/search", params={"q": "捐給公益團體"}).json()[0]["id"] == draft
    assert boss.get("/api/kb/entries", params={"q": "捐給公益團體"}).json()["entries"][0]["id"] == draft

    other = kb.add_draft("重複的問題？", "其他")
    assert boss.post(f"/api/kb/entries/{other}/reject", json={"reason": "與既有條目重複"}).status_code == 200
    assert boss.post(f"/api/kb/entries/{other}/approve", json={}).status_code == 422
    assert all(i["entry_id"] != other for i in boss.get("/api/kb/review").json())
    assert boss.put("/api/kb/entries/NOPE-999", json={"answer": "x"}).status_code == 404


def test_reload_kb_updates_the_live_dict_in_place_and_watch_kb_follows_other_processes(tmp_path: Path) -> None:
    kb = KnowledgeBase(tmp_path / "chat.db")
    kb.import_entries([Entry("A-1", "c", "財政部", "問一？", "答一。"), Entry("A-2", "c", "財政部", "問二？", "答二。")], "v1")
    live_kb = LiveKB(kb)
    live = live_kb.entries
    lookup = live.get  # what the bot's policy holds
    other = KnowledgeBase(tmp_path / "chat.db")  # another process's connection
    other.import_entries([Entry("A-1", "c", "財政部", "問一？", "新答一。")], "v2")
    assert live_kb.reload() == 1
    assert live_kb.entries is live and lookup("A-1")["answer"] == "新答一。" and lookup("A-2") is None
    assert live_kb.search.search("新答一")[0]["id"] == "A-1"

    async def follow() -> None:
        watcher = asyncio.create_task(watch_kb(SimpleNamespace(live_kb=live_kb), every=0.05))  # type: ignore[arg-type]
        await asyncio.sleep(0.2)
        other.import_entries([Entry("A-1", "c", "財政部", "問一？", "再改一次。")], "v3")
        for _ in range(100):
            await asyncio.sleep(0.05)
            if lookup("A-1")["answer"] == "再改一次。":
                break
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher

    asyncio.run(follow())
    assert lookup("A-1")["answer"] == "再改一次。"
