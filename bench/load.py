"""Load test of the conversation server over loopback: N citizens, M agents.

Starts its own server (this checkout's model and config, a temporary data directory, staffed
hours forced open), then:

1. connects N citizens, each asks one FAQ question (spread over ``--ramp`` seconds): bot reply
   latency = send → first bot message;
2. M agents log in; M × capacity citizens hand off and are accepted; each pair exchanges
   ``--rounds`` messages both ways: relay latency = send → arrival on the other side;
3. counts messages lost (sent but never received) and reads the server's RSS.

Prints one JSON object and writes results/bench_load.json.

    .venv/bin/python bench/load.py --citizens 2000 --agents 50

With ``--procs N`` it measures the scale-out set-up instead: PostgreSQL and Redis started here (as
the tests do), then the same load over 1, 2, … N server processes in turn, citizens and agents
spread round-robin over the processes; prints one JSON object per process count with per-process
figures, and writes results/bench_load_procs.json.

    .venv/bin/python bench/load.py --procs 2 --citizens 2000 --agents 50
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["ATM什麼時候可以領6000", "普發現金要去哪裡登記", "郵局可以領現金嗎", "新生兒可以領嗎",
             "外籍配偶有沒有普發", "登記後多久入帳", "可以請家人代領嗎", "普發要繳稅嗎"]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 2)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


HOTLINE = [sys.executable, "-m", "handoff.cli"]


def server_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "HOTLINE_HOME": str(ROOT), "HOTLINE_DATA_DIR": str(data_dir),
            "HOTLINE_CLOCK": "2026-11-30T10:00:00+08:00", "HOTLINE_CITIZEN_GRACE_SECONDS": "600", **(extra or {})}


def prepare(env: dict[str, str], agents: int, password: str) -> None:
    """The KB and the load-test agents, in the store the servers will use."""
    subprocess.run([*HOTLINE, "kb", "import", str(ROOT.parent / "shared/kb/faq.jsonl"), "--no-stubs"], env=env,
                   check=True, capture_output=True)
    for i in range(agents):
        subprocess.run([*HOTLINE, "user", "add", f"load{i}", "--password", password, "--capacity", "3"], env=env,
                       check=True, capture_output=True)


def serve(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    process = subprocess.Popen([*HOTLINE, "serve"], env={**env, "HOTLINE_PORT": str(port)}, stdout=log,
                               stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()["status"] == "ok":
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start: {log_path.read_text()[-2000:]}")


def start_server(data_dir: Path, port: int, agents: int, password: str) -> subprocess.Popen[bytes]:
    env = server_env(data_dir)
    prepare(env, agents, password)
    return serve(env, port, data_dir / "server.log")


class Citizen:
    def __init__(self, url: str) -> None:
        self.url = url
        self.ws: Any = None
        self.conversation_id = ""
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.received_relay: dict[str, float] = {}

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.url, max_queue=None, open_timeout=60)
        await self.ws.send(json.dumps({"type": "hello"}))
        asyncio.create_task(self._reader())
        welcome = await self.wait(lambda f: f["type"] == "welcome")
        self.conversation_id = welcome["conversation_id"]

    async def _reader(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("type") == "message" and frame.get("sender") == "agent" and frame["text"].startswith("R"):
                    self.received_relay[frame["text"]] = time.perf_counter()
                await self.inbox.put(frame)
        except websockets.ConnectionClosed:
            pass

    async def wait(self, predicate: Any, timeout: float = 120.0) -> dict[str, Any]:
        async def scan() -> dict[str, Any]:
            while True:
                frame = await self.inbox.get()
                if predicate(frame):
                    return frame
        return await asyncio.wait_for(scan(), timeout)

    async def ask(self, text: str) -> float:
        started = time.perf_counter()
        await self.ws.send(json.dumps({"type": "message", "text": text}))
        await self.wait(lambda f: f.get("type") == "message" and f.get("sender") == "bot")
        return (time.perf_counter() - started) * 1000


async def run(args: argparse.Namespace, bases: list[str]) -> dict[str, Any]:
    """The load over ``bases`` (one URL per server process): citizen i and agent i use process
    i mod len(bases). Returns overall figures plus ``per_process`` ones."""
    base = bases[0]
    ws_bases = [b.replace("http", "ws") for b in bases]
    citizens = [Citizen(ws_bases[i % len(bases)] + "/ws/chat") for i in range(args.citizens)]
    sem = asyncio.Semaphore(200)

    async def connect(c: Citizen) -> None:
        async with sem:
            await c.connect()
            await c.wait(lambda f: f.get("type") == "message")  # greeting

    t0 = time.perf_counter()
    await asyncio.gather(*(connect(c) for c in citizens))
    connect_seconds = time.perf_counter() - t0

    async def ask(i: int, c: Citizen) -> float:
        await asyncio.sleep(args.ramp * i / max(1, len(citizens)))
        return await c.ask(QUESTIONS[i % len(QUESTIONS)])

    bot_latencies = await asyncio.gather(*(ask(i, c) for i, c in enumerate(citizens)))

    # handoffs and relay
    pairs_wanted = min(len(citizens), args.agents * 3)
    handed = citizens[:pairs_wanted]
    await asyncio.gather(*(c.ws.send(json.dumps({"type": "message", "text": "/handoff_yes"})) for c in handed))
    await asyncio.gather(*(c.wait(lambda f: f.get("type") == "state" and f.get("state") == "queued") for c in handed))
    async with httpx.AsyncClient() as http:
        tokens = [(await http.post(f"{base}/auth/login", json={"username": f"load{i}", "password": args.password}))
                  .json()["token"] for i in range(args.agents)]
    agents = [await websockets.connect(f"{ws_bases[i % len(bases)]}/ws/agent", max_queue=None,
                                      subprotocols=["hotline.v1", f"bearer.{t}"])
              for i, t in enumerate(tokens)]
    agent_inbox: dict[int, asyncio.Queue[dict[str, Any]]] = {i: asyncio.Queue() for i in range(len(agents))}
    relay_to_agent: dict[str, float] = {}

    async def agent_reader(i: int) -> None:
        try:
            async for raw in agents[i]:
                frame = json.loads(raw)
                if frame.get("type") == "message" and frame.get("sender") == "citizen" and frame["text"].startswith("Q"):
                    relay_to_agent[frame["text"]] = time.perf_counter()
                await agent_inbox[i].put(frame)
        except websockets.ConnectionClosed:
            pass

    for i in range(len(agents)):
        asyncio.create_task(agent_reader(i))
    chats: dict[int, list[str]] = {i: [] for i in range(len(agents))}
    for _round in range(3):
        for i, ws in enumerate(agents):
            await ws.send(json.dumps({"type": "accept"}))
    deadline = time.monotonic() + 60
    while sum(len(v) for v in chats.values()) < pairs_wanted and time.monotonic() < deadline:
        for i in range(len(agents)):
            while not agent_inbox[i].empty():
                frame = agent_inbox[i].get_nowait()
                if frame.get("type") == "assigned":
                    chats[i].append(frame["conversation_id"])
        await asyncio.sleep(0.05)
    by_id = {c.conversation_id: c for c in handed}
    sent_to_citizen: dict[str, float] = {}
    sent_to_agent: dict[str, float] = {}
    async def later(delay: float, key: str, ledger: dict[str, float], ws: Any, frame: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        ledger[key] = time.perf_counter()
        await ws.send(json.dumps(frame))

    rng = random.Random(7)
    sends = []
    for round_ in range(args.rounds):  # every chat sends both ways once per round, at a random moment
        start = round_ * args.round_gap
        for i, ws in enumerate(agents):
            for conversation_id in chats[i]:
                text, question = f"R{round_}-{conversation_id}", f"Q{round_}-{conversation_id}"
                sends.append(later(start + rng.random() * args.round_gap, text, sent_to_citizen, ws,
                                   {"type": "message", "conversation_id": conversation_id, "text": text}))
                sends.append(later(start + rng.random() * args.round_gap, question, sent_to_agent,
                                   by_id[conversation_id].ws, {"type": "message", "text": question}))
    await asyncio.gather(*sends)
    await asyncio.sleep(3)
    relay = [(c.received_relay[t] - sent_to_citizen[t]) * 1000 for c in handed for t in c.received_relay
             if t in sent_to_citizen]
    relay += [(relay_to_agent[t] - sent_to_agent[t]) * 1000 for t in relay_to_agent if t in sent_to_agent]
    per_process = []
    for p in range(len(bases)):  # figures of the citizens connected to process p
        mine = [c for i, c in enumerate(citizens) if i % len(bases) == p]
        mine_handed = {c.conversation_id for c in mine} & set(by_id)
        bot_p = [latency for i, latency in enumerate(bot_latencies) if i % len(bases) == p]
        relay_p = [(by_id[cid].received_relay[t] - sent_to_citizen[t]) * 1000 for cid in mine_handed
                   for t in by_id[cid].received_relay if t in sent_to_citizen]
        per_process.append({"process": p + 1, "citizens": len(mine), "chats_with_agents": len(mine_handed),
                            "bot_reply_p50_ms": percentile(bot_p, 0.5), "bot_reply_p99_ms": percentile(bot_p, 0.99),
                            "relay_to_citizen_p50_ms": percentile(relay_p, 0.5),
                            "relay_to_citizen_p99_ms": percentile(relay_p, 0.99)})
    lost = (len(sent_to_citizen) - sum(len(c.received_relay) for c in handed)) + (len(sent_to_agent) - len(relay_to_agent))
    open_citizens = sum(1 for c in citizens if c.ws.state is websockets.protocol.State.OPEN)
    for ws in agents:
        await ws.close()
    for c in citizens:
        await c.ws.close()
    return {"citizens": args.citizens, "agents": args.agents, "connections_held": open_citizens + len(agents),
            "connect_seconds": round(connect_seconds, 1),
            "bot_reply_p50_ms": percentile(bot_latencies, 0.5), "bot_reply_p99_ms": percentile(bot_latencies, 0.99),
            "chats_with_agents": sum(len(v) for v in chats.values()),
            "relay_messages": len(sent_to_citizen) + len(sent_to_agent),
            "relay_p50_ms": percentile(relay, 0.5), "relay_p99_ms": percentile(relay, 0.99),
            "messages_lost": lost, "per_process": per_process}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which citizens ask their question")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--round-gap", type=float, default=2.0,
                        help="seconds per round: each of the agent chats sends one message each way per round")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--password", default="load-test-pass")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--procs", type=int, default=0,
                        help="measure 1…N server processes on PostgreSQL + Redis (started here) in one run")
    args = parser.parse_args()
    if args.procs:
        return run_procs(args)
    args.out = args.out or ROOT / "results/bench_load.json"
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        server = start_server(Path(tmp), args.port, args.agents, args.password)
        try:
            figures = asyncio.run(run(args, [f"http://127.0.0.1:{args.port}"]))
            figures["server_rss_mb"] = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures))


def run_procs(args: argparse.Namespace) -> None:
    """1…N processes on a fresh PostgreSQL database and Redis prefix each, same load each time."""
    sys.path.insert(0, str(ROOT))
    from tests.infra import postgres_server, redis_server

    results = []
    with postgres_server() as pg, redis_server() as redis, tempfile.TemporaryDirectory(prefix="bench-procs-") as tmp:
        for n in range(1, args.procs + 1):
            database_url = pg.create_database(f"bench{n}")
            env = server_env(Path(tmp) / f"n{n}", {"HOTLINE_DATABASE_URL": database_url,
                                                    "HOTLINE_REDIS_URL": redis.url, "HOTLINE_REDIS_PREFIX": f"bench{n}:"})
            prepare(env, args.agents, args.password)
            ports = [args.port + 10 * n + i for i in range(n)]
            servers = [serve(env, port, Path(tmp) / f"server-{n}-{port}.log") for port in ports]
            try:
                figures = asyncio.run(run(args, [f"http://127.0.0.1:{port}" for port in ports]))
                figures["processes"] = n
                for entry, server in zip(figures["per_process"], servers):
                    entry["rss_mb"] = rss_mb(server.pid)
            finally:
                for server in servers:
                    server.terminate()
                for server in servers:
                    server.wait(timeout=30)
            print(json.dumps(figures), flush=True)
            results.append(figures)
    summary = {"runs": results}
    if len(results) > 1 and results[0]["relay_p99_ms"] and results[-1]["relay_p99_ms"]:
        summary["scaling"] = {
            "processes": [r["processes"] for r in results],
            "bot_reply_p99_ratio": round(results[-1]["bot_reply_p99_ms"] / max(0.01, results[0]["bot_reply_p99_ms"]), 2),
            "relay_p99_ratio": round(results[-1]["relay_p99_ms"] / max(0.01, results[0]["relay_p99_ms"]), 2),
            "note": "ratio of the last run's p99 to the 1-process run's, same load; below 1 means faster"}
    out = args.out or ROOT / "results/bench_load_procs.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
