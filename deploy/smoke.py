"""The scaled-out topology without containers, for hosts with no Docker: a private PostgreSQL
(initdb) and Redis, N ``hotline serve`` processes each in its own empty working directory, and
Debian's nginx with deploy/nginx.conf in front — the same topology as docker-compose.yml and as
tests/scale/test_stateless.py. It seeds the database (staff, KB, model), runs a smoke journey
through nginx, prints what it saw, and with ``--keep`` stays up until Ctrl-C.

    .venv/bin/python deploy/smoke.py                 # 3 apps, the deployed model in models/
    .venv/bin/python deploy/smoke.py --apps 2 --keep # then open the printed URL (staff: boss / password1)

Needs: postgresql, redis-server and nginx from the distribution (apt-get install postgresql
redis-server nginx), a trained model (make model) and the agencies' Q&A set.
"""
from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot import model_store  # noqa: E402
from tests.chat_client import Agent, Citizen  # noqa: E402
from tests.infra import postgres_server, redis_server  # noqa: E402
from tests.scale.topology import seed, topology  # noqa: E402


def smoke(url: str, apps: int) -> None:
    pids = {httpx.get(f"{url}/health", timeout=10).json()["pid"] for _ in range(apps * 2)}
    print(f"nginx {url}: {len(pids)} app processes answer round-robin")
    assert len(pids) == apps, pids
    citizen = Citizen(url)
    greeting = citizen.say("你好")
    print(f"citizen chat: {greeting['text'][:40]}…")
    citizen.send(type="message", text="/handoff_yes")
    try:
        citizen.wait_type("state", state="queued", timeout=20)
    except TimeoutError:  # outside staffed hours the bot offers a callback instead of the queue
        print("handoff: outside staffed hours (config.yml) — agent part skipped; --clock to pick a time")
        citizen.close()
        return rest_check(url)
    agent = Agent(url, "agent1")
    agent.send(type="accept")
    assert agent.wait_type("assigned", timeout=20)["conversation_id"] == citizen.conversation_id
    agent.send(type="message", conversation_id=citizen.conversation_id, text="您好，我是客服人員。", client_id="s")
    citizen.wait_for(lambda f: f.get("type") == "message" and f.get("sender") == "agent", timeout=20)
    print("handoff: the agent's message reached the citizen through nginx")
    citizen.close()
    agent.close()
    rest_check(url)


def rest_check(url: str) -> None:
    replies = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": "smoke", "message": "你好"}, timeout=30).json()
    assert replies, "the REST channel returned no reply"
    print(f"REST webhook: {len(replies)} reply(ies)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=3, help="app processes (default 3)")
    parser.add_argument("--model", type=Path, help="model version directory (default: the deployed one in models/)")
    parser.add_argument("--kb", type=Path, default=ROOT.parent / "shared" / "kb" / "faq.jsonl", help="Q&A file")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml", help="the release's config.yml")
    parser.add_argument("--keep", action="store_true", help="stay up until Ctrl-C after the smoke journey")
    parser.add_argument("--clock", default="", help="HOTLINE_CLOCK for the apps, e.g. 2026-11-30T10:00:00+08:00 "
                        "(staffed hours at any time of day)")
    args = parser.parse_args()
    model = args.model or model_store.deployed(ROOT / "models")
    root = Path(tempfile.mkdtemp(prefix="hotline-smoke-"))
    started = time.monotonic()
    with postgres_server() as pg, redis_server() as redis:
        database_url = pg.create_database("hotline")
        version = seed(database_url, args.kb, model)
        print(f"PostgreSQL {pg.url('hotline')}: KB from {args.kb.name}, model {version} stored and deployed")
        env = {"HOTLINE_REDIS_PREFIX": f"smoke{secrets.token_hex(2)}:", **({"HOTLINE_CLOCK": args.clock} if args.clock else {})}
        with topology(root, database_url, redis.url, args.config, apps=args.apps, env=env) as world:
            print(f"{args.apps} apps in {root} (one empty directory each), up in {time.monotonic() - started:.0f} s")
            smoke(world.url, args.apps)
            for app in world.apps:
                print(f"  {app.home.name}: {', '.join(app.files())}")
            print("smoke journey passed")
            if args.keep:
                print(f"serving on {world.url} — Ctrl-C to stop")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
