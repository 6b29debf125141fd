"""The miss log and the retraining loop, through a real server and the engineer API."""
from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from bot import model_store
from bot.evaluate import EvalRow
from bot.pipeline import Pipeline
from handoff.engineering import review
from tests.chat_client import Agent, Citizen, login
from tests.conftest import DEV_SET, OPEN_CLOCK, VAGUE_QUESTION
from tests.projects import private_project
from tests.servers import running_server


@pytest.fixture(scope="module")
def project(kb_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy (its own nlu_data/, models/ and chat database) this module may change."""
    return private_project(kb_project, tmp_path_factory.mktemp("miss_loop"), nlu_data="copy")


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[str]:
    with running_server(project, env={"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_REGRESSION_SET": str(DEV_SET)}) as url:
        yield url


def turns(project: Path, conversation_id: str) -> list[tuple]:
    con = sqlite3.connect(project / "var" / "chat.db")
    return con.execute("select text_masked, miss, miss_reason, suggested_label, label_source, question, answered "
                       "from turns where conversation_id=? order by id", (conversation_id,)).fetchall()


def test_every_turn_is_logged_masked_and_misses_are_flagged(server: str, project: Path) -> None:
    citizen = Citizen(server)
    citizen.say("ATM什麼時候可以領6000")
    citizen.say("你好")
    citizen.say("我身分證A123456789手機0912345678，asdf qwer zxcv")
    logged = turns(project, citizen.conversation_id)
    assert logged[0][1:3] == (0, None) and logged[0][5:] == (1, 1)  # answered question
    assert logged[1][5] == 0  # chit-chat is not a question
    assert logged[2][0] == "我身分證[身分證號]手機[手機]，asdf qwer zxcv" and logged[2][1] == 1
    raw = sqlite3.connect(project / "var" / "chat.db").execute(
        "select count(*) from turns where text_masked like '%A123456789%' or text_masked like '%0912345678%'").fetchone()
    assert raw == (0,)
    citizen.close()


def test_unhelpful_answer_becomes_a_miss(server: str, project: Path) -> None:
    citizen = Citizen(server)
    answer = citizen.say("ATM什麼時候可以領6000")
    citizen.send(type="feedback", seq=answer["seq"], helpful=False)
    citizen.wait_type("ack")
    assert turns(project, citizen.conversation_id)[0][1:3] == (1, "unhelpful")
    citizen.close()


def test_handoff_marks_the_question_and_the_agents_kb_answer_becomes_the_label(server: str, project: Path) -> None:
    citizen = Citizen(server)
    citizen.say("欸那個錢我阿公躺在醫院要怎麼弄")
    citizen.send(type="message", text="/handoff_yes")
    citizen.wait_type("state", state="queued")
    agent = Agent(server, "agent1")
    agent.send(type="accept")
    assigned = agent.wait_for(lambda f: f.get("type") == "assigned" and f["conversation_id"] == citizen.conversation_id)
    agent.send(type="message", conversation_id=assigned["conversation_id"], text="可以請家人代領。", kb_id="PRX-001")
    agent.wait_type("ack")
    first = turns(project, citizen.conversation_id)[0]
    assert first[1] == 1 and first[3:5] == ("PRX-001", "agent_answer")
    agent.send(type="close", conversation_id=citizen.conversation_id, wrapup={})
    citizen.close()
    agent.close()


def test_typing_on_past_the_suggestions_marks_them_ignored(server: str, project: Path) -> None:
    citizen = Citizen(server)
    reply = citizen.say(VAGUE_QUESTION)
    assert len(reply["buttons"]) > 1  # suggestions were offered
    citizen.say("算了我再問別的 那個普發有沒有要繳稅")
    assert turns(project, citizen.conversation_id)[0][1:3] == (1, "suggestions_ignored")
    citizen.close()


def test_clicked_suggestion_labels_the_miss(server: str, project: Path) -> None:
    citizen = Citizen(server)
    reply = citizen.say(VAGUE_QUESTION)
    suggestion = next(b["payload"] for b in reply["buttons"] if b["payload"] != "/handoff_yes")
    citizen.say(suggestion)
    assert turns(project, citizen.conversation_id)[0][3:5] == (suggestion[1:], "suggestion_click")
    citizen.close()


def test_label_a_cluster_writes_valid_rasa_yaml_retrain_deploy_and_answer(server: str, project: Path) -> None:
    question = "六千塊那個東東去哪邊弄登記喔"
    citizen = Citizen(server)
    assert citizen.say(question)["kind"] != "answer"
    headers = {"Authorization": f"Bearer {login(server, 'engineer1')}"}
    clusters = httpx.get(f"{server}/api/misses/clusters", headers=headers, timeout=60).json()
    target = next(c for c in clusters if any(i["text_masked"] == question for i in c["items"]))
    ids = [i["id"] for i in target["items"] if i["text_masked"] == question]
    bad = httpx.post(f"{server}/api/misses/label", headers=headers, json={"turn_ids": ids, "intent": "NOPE-1"})
    assert bad.status_code == 422
    labelled = httpx.post(f"{server}/api/misses/label", headers=headers, json={"turn_ids": ids, "intent": "REG-001"})
    assert labelled.json()["written"] == 1
    doc = yaml.safe_load((project / "nlu_data" / "labelled_misses.yml").read_text(encoding="utf-8"))
    assert doc["version"] == "3.1" and doc["nlu"][0]["intent"] == "REG-001"
    assert f"- {question}" in doc["nlu"][0]["examples"]
    version = httpx.post(f"{server}/api/models/train", headers=headers, timeout=300).json()["version"]
    compared = httpx.post(f"{server}/api/models/compare", headers=headers, json={"version": version}, timeout=120).json()
    assert any(f["text"] == question for f in compared["comparison"]["fixed"])
    deployed = httpx.post(f"{server}/api/models/deploy", headers=headers, json={"version": version}, timeout=120)
    assert deployed.status_code == 200, deployed.text
    again = Citizen(server)
    assert again.say(question)["kind"] == "answer"
    assert httpx.get(f"{server}/api/match-rate", headers=headers).json()[-1]["question_turns"] >= 1
    citizen.close()
    again.close()


def test_agents_cannot_use_the_engineer_api(server: str) -> None:
    headers = {"Authorization": f"Bearer {login(server, 'agent2')}"}
    assert httpx.get(f"{server}/api/misses/clusters", headers=headers).status_code == 403


@pytest.mark.parametrize("version", ["nope", "../../etc", "../models"])
def test_unknown_or_outside_model_versions_are_404(server: str, version: str) -> None:
    headers = {"Authorization": f"Bearer {login(server, 'engineer1')}"}
    for path in ("compare", "deploy"):
        assert httpx.post(f"{server}/api/models/{path}", headers=headers, json={"version": version}).status_code == 404


def test_gate_refuses_a_candidate_that_breaks_a_question(project: Path, tmp_path: Path) -> None:
    """A model trained without the ATM examples breaks an ATM question the deployed model answers."""
    from bot.training import train_model
    from bot.training_data import load_training_data, write_nlu_file

    data = load_training_data(project / "nlu_data")
    crippled = tmp_path / "nlu"
    write_nlu_file(crippled / "all.yml", {i: ex for i, ex in data.examples.items() if not i.startswith("ATM-00")})
    models = tmp_path / "models"
    deployed_dir = model_store.deployed(project / "models")
    shutil.copytree(deployed_dir, models / deployed_dir.name)
    model_store.deploy(models, deployed_dir.name)
    candidate = train_model(project / "config.yml", crippled, models, echo=False)
    rows = [EvalRow("ATM什麼時候可以領6000", "ATM-001", [])]
    assert Pipeline.load(deployed_dir).parse(rows[0].text)["intent"]["name"] == "ATM-001"
    comparison = review.gate(models, candidate.name, rows, (0.0, 0.0))
    assert comparison is not None and not comparison.allowed and comparison.broken[0]["text"] == rows[0].text
    with pytest.raises(review.ReviewError, match="deploy refused"):
        review.deploy_checked(models, candidate.name, comparison, force=False, reason=None, who="t")
    with pytest.raises(review.ReviewError, match="needs a reason"):
        review.deploy_checked(models, candidate.name, comparison, force=True, reason=" ", who="t")
    review.deploy_checked(models, candidate.name, comparison, force=True, reason="hotfix approved", who="t")
    assert model_store.deployed_version(models) == candidate.name
    assert "hotfix approved" in (models / "deploy_log.jsonl").read_text(encoding="utf-8")


def _accept_and_close(server: str, conversation_id: str, kb_id: str | None = None) -> None:
    agent = Agent(server, "agent1")
    agent.send(type="accept")
    agent.wait_for(lambda f: f.get("type") == "assigned" and f["conversation_id"] == conversation_id)
    if kb_id:
        agent.send(type="message", conversation_id=conversation_id, text="請參考這則說明。", kb_id=kb_id)
        agent.wait_type("ack")
    agent.send(type="close", conversation_id=conversation_id, wrapup={})
    agent.close()


def test_a_request_for_a_person_is_counted_apart_not_as_a_miss(server: str, project: Path) -> None:
    headers = {"Authorization": f"Bearer {login(server, 'engineer1')}"}
    before = httpx.get(f"{server}/api/match-rate", headers=headers).json()
    citizen = Citizen(server)
    assert citizen.say("ATM什麼時候可以領6000")["kind"] == "answer"
    if citizen.say("我要轉真人客服")["kind"] == "handoff_offer":  # unsure: asks; confident: queues (issue 13)
        citizen.send(type="message", text="/handoff_yes")
    citizen.wait_type("state", state="queued")
    _accept_and_close(server, citizen.conversation_id)
    answered, request = turns(project, citizen.conversation_id)[:2]
    assert answered[1] == 0 and answered[6] == 1  # the answered question was not turned into a miss
    assert request[1] == 0 and request[5] == 0  # the request is neither a miss nor a question turn
    after = httpx.get(f"{server}/api/match-rate", headers=headers).json()
    assert after[-1]["person_requests"] == (before[-1]["person_requests"] if before else 0) + 1
    citizen.close()


def test_button_payloads_never_become_labels_and_the_agents_answer_does(server: str, project: Path) -> None:
    citizen = Citizen(server)
    assert citizen.say(VAGUE_QUESTION)["kind"] != "answer"
    citizen.send(type="message", text="/handoff_yes")
    citizen.wait_type("state", state="queued")
    miss = turns(project, citizen.conversation_id)[0]
    assert miss[1] == 1 and miss[3] is None  # not "handoff_yes"
    _accept_and_close(server, citizen.conversation_id, kb_id="TIM-001")
    assert turns(project, citizen.conversation_id)[0][3:5] == ("TIM-001", "agent_answer")
    headers = {"Authorization": f"Bearer {login(server, 'engineer1')}"}
    clusters = httpx.get(f"{server}/api/misses/clusters", headers=headers, timeout=60).json()
    assert all(c["suggested_label"] is None or c["suggested_label"][:3].isupper() for c in clusters)
    ids = [i["id"] for c in clusters for i in c["items"]][:1]
    for not_a_kb_id in ("handoff_yes", "ask_human", "/callback"):
        refused = httpx.post(f"{server}/api/misses/label", headers=headers, json={"turn_ids": ids, "intent": not_a_kb_id})
        assert refused.status_code == 422, not_a_kb_id
    citizen.close()
