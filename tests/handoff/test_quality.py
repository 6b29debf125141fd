"""Quality sampling (品質抽測): the pre-check, seedable sampling that skips reviewed chats, scoring,
and the scores reaching the monthly report — on a real SQLite file, then through a real server."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from handoff.reports import quality
from handoff.reports.monthly import monthly_report
from handoff.storage.database import Database
from tests.handoff.reports_seed import MONTH, NOW, now, seed_month


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """The seeded month without its quality reviews."""
    database = Database(f"sqlite:///{tmp_path / 'chat.db'}")
    database.write_sync(lambda conn: seed_month(conn, reviews=False))
    yield database
    database.close()


def test_score_is_twenty_points_per_checklist_item() -> None:
    assert quality.score({}) == 0
    assert quality.score({"greeting": True, "thanks": True}) == 40
    assert quality.score(dict.fromkeys(quality.LABELS, True)) == 100
    assert quality.score({"greeting": True, "unknown": True}) == 20  # only checklist items count


def test_precheck_suggests_each_box_from_the_agent_messages(db: Database) -> None:
    full = db.read_sync(lambda conn: quality.transcript(conn, "c04"))["precheck"]
    assert {item: s["suggested"] for item, s in full.items()} == dict.fromkeys(quality.LABELS, True)
    assert full["anything_else"]["evidence"] == "還有其他問題需要為您服務嗎？"
    assert full["correct_answer"]["evidence"] == "插入知識庫答案 ATM-001"
    partial = db.read_sync(lambda conn: quality.transcript(conn, "c05"))["precheck"]
    assert {item: s["suggested"] for item, s in partial.items()} == {
        "greeting": True, "confirmed_need": False, "anything_else": False, "thanks": True,
        "correct_answer": None}  # typed by hand: only the supervisor can judge it
    bare = db.read_sync(lambda conn: quality.transcript(conn, "c08"))["precheck"]
    assert [s["suggested"] for s in bare.values()] == [False, False, False, False, None]


def test_the_system_join_message_is_not_the_agent_greeting() -> None:
    said = [{"sender": "system", "text": "客服人員 agent1 已加入對話，很高興為您服務。"},
            {"sender": "bot", "text": "您好，很高興為您服務。謝謝"}]
    assert [s["suggested"] for s in quality.precheck(said).values()] == [False, False, False, False, None]


def test_sampling_draws_only_the_agents_closed_chats_of_the_month_and_repeats_with_a_seed(db: Database) -> None:
    first = db.read_sync(lambda conn: quality.sample(conn, MONTH, "agent1", size=2, seed=7))
    again = db.read_sync(lambda conn: quality.sample(conn, MONTH, "agent1", size=2, seed=7))
    assert [s["conversation_id"] for s in first] == [s["conversation_id"] for s in again]
    everything = db.read_sync(lambda conn: quality.sample(conn, MONTH, "agent1", size=10))
    # c04, c05, c08: not c09 (abandoned), not x2 (November in Taipei), nothing of agent2
    assert sorted(s["conversation_id"] for s in everything) == ["c04", "c05", "c08"]
    assert all(s["agent"] == "agent1" and s["category"] == "領取方式" for s in everything)
    draws = {tuple(sorted(s["conversation_id"] for s in db.read_sync(
        lambda conn, seed=seed: quality.sample(conn, MONTH, "agent1", size=2, seed=seed)))) for seed in range(20)}
    assert len(draws) > 1  # random, not the first two
    with pytest.raises(quality.QualityError):
        db.read_sync(lambda conn: quality.sample(conn, MONTH, "agent1", size=0))


def test_reviewed_chats_leave_the_pool_and_scores_reach_the_report(db: Database) -> None:
    items = {"greeting": True, "confirmed_need": True, "anything_else": False, "thanks": True,
             "correct_answer": True}
    saved = db.write_sync(lambda conn: quality.save_review(conn, "c08", "boss", items, " 答覆正確 ", now()))
    assert (saved["score"], saved["agent"], saved["reviewer"], saved["comment"]) == (80, "agent1", "boss", "答覆正確")
    pool = db.read_sync(lambda conn: quality.sample(conn, MONTH, "agent1", size=10))
    assert sorted(s["conversation_id"] for s in pool) == ["c04", "c05"]
    assert db.read_sync(lambda conn: quality.agents(conn, MONTH)) == [
        {"agent": "agent1", "closed_chats": 3, "reviewed": 1, "unreviewed": 2},
        {"agent": "agent2", "closed_chats": 2, "reviewed": 0, "unreviewed": 2}]
    # saving again replaces the review (the supervisor corrected a box)
    corrected = {**items, "correct_answer": False}
    db.write_sync(lambda conn: quality.save_review(conn, "c08", "boss", corrected, None, now()))
    report = db.read_sync(lambda conn: monthly_report(conn, MONTH, now()))
    assert (report.quality.reviews, report.quality.average_score) == (1, 60.0)  # 3 items × 20
    agent1 = report.quality.by_agent[0]
    assert (agent1.agent, agent1.reviews, agent1.average_score, agent1.correct_answer) == ("agent1", 1, 60.0, 0)
    listed = db.read_sync(lambda conn: quality.reviews(conn, MONTH, "agent1"))
    assert [(r["conversation_id"], r["score"], r["thanks"]) for r in listed] == [("c08", 60, True)]


def test_only_closed_agent_chats_can_be_reviewed(db: Database) -> None:
    with pytest.raises(quality.QualityError) as open_chat:
        db.write_sync(lambda conn: quality.save_review(conn, "c01", "boss", {}, None, now()))
    assert open_chat.value.status == 409
    with pytest.raises(quality.QualityError) as unknown:
        db.write_sync(lambda conn: quality.save_review(conn, "nope", "boss", {}, None, now()))
    assert unknown.value.status == 404


@pytest.mark.slow
def test_quality_api_sample_transcript_save(kb_project: Path) -> None:
    import httpx

    from tests.chat_client import login
    from tests.handoff.reports_seed import seeded_server_db
    from tests.servers import running_server

    db_path = seeded_server_db(kb_project, "quality-api")  # with the seeded reviews of c04, c05, c06
    with running_server(kb_project, env={"HOTLINE_DATABASE_URL": f"sqlite:///{db_path}", "HOTLINE_CLOCK": NOW}) as url:
        boss = {"Authorization": f"Bearer {login(url, 'boss')}"}
        agents = httpx.get(f"{url}/api/quality/agents", params={"month": MONTH}, headers=boss).json()
        assert agents[0] == {"agent": "agent1", "closed_chats": 3, "reviewed": 2, "unreviewed": 1}
        drawn = httpx.post(f"{url}/api/quality/sample", json={"month": MONTH, "agent": "agent1", "size": 3},
                           headers=boss).json()
        assert [d["conversation_id"] for d in drawn] == ["c08"]  # c04 and c05 are reviewed already
        chat = httpx.get(f"{url}/api/quality/conversations/c08", headers=boss).json()
        assert [m["sender"] for m in chat["messages"]] == ["bot", "citizen", "system", "agent", "agent"]
        assert chat["review"] is None and chat["precheck"]["thanks"]["suggested"] is False
        body = {"greeting": False, "confirmed_need": False, "anything_else": False, "thanks": False,
                "correct_answer": True, "comment": "未問候、未致謝"}
        saved = httpx.put(f"{url}/api/quality/reviews/c08", json=body, headers=boss)
        assert saved.status_code == 200 and saved.json()["score"] == 20
        report = httpx.get(f"{url}/api/reports/monthly", params={"month": MONTH}, headers=boss).json()
        assert (report["quality"]["reviews"], report["quality"]["average_score"]) == (4, 60.0)  # (100+40+80+20)/4
        assert httpx.put(f"{url}/api/quality/reviews/c01", json=body, headers=boss).status_code == 409
        assert httpx.get(f"{url}/api/quality/conversations/nope", headers=boss).status_code == 404
        agent = {"Authorization": f"Bearer {login(url, 'agent1')}"}
        assert httpx.put(f"{url}/api/quality/reviews/c08", json=body, headers=agent).status_code == 403
