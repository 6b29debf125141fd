"""Active load over loopback: N citizens ask the bot, M agents take handoffs and chat, nothing lost.

Starts its own server (this checkout's model and config, a temporary data directory, the clock in
staffed hours), then drives it from ``--gen-procs`` separate generator processes, so the load
generator's own event loop is not what limits (their clocks agree: CLOCK_MONOTONIC is system-wide).
The phases run in step across the generators (the driver says "go" and waits for every report):

1. connect: the agents log in and open their consoles (a shift starts before the citizens come),
   then the citizens open their chats at ``--rate`` per second in total (hello → welcome →
   greeting);
2. ask: every citizen asks one FAQ question, spread over ``--ramp`` seconds: bot reply latency =
   send → first bot message;
3. handoff: M × 3 citizens ask for a person and are queued;
4. accept: every agent accepts three chats;
5. relay: for ``--rounds`` rounds each chat sends one message each way at a random moment of the
   round: relay latency = send → arrival on the other side, wherever the two ends are;
6. stop: counts what is still open; messages never received are lost.

While everything is held the server's RSS, file descriptors, CPU and /health latency (a proxy for
event-loop lag) are read. Prints one JSON object and writes results/bench_load.json.

    .venv/bin/python bench/load.py --citizens 2000 --agents 50
    .venv/bin/python bench/load.py --citizens 10000 --agents 200 --rate 60 --ramp 200

With ``--procs N`` it measures the scale-out set-up instead: PostgreSQL, Redis and nginx (Debian's
package, with deploy/nginx.conf: round-robin, websocket upgrade, no sticky sessions) started here
as the tests do, then the same load through nginx over 1, 2, … N server processes in turn. Writes
results/bench_load_procs.json.

    .venv/bin/python bench/load.py --procs 3 --citizens 2000 --agents 50
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from harness import (ROOT, percentile, prepare, proc_stats, raise_fd_limit, sample_health, serve, server_env,
                     stop)

QUESTIONS = ["ATM什麼時候可以領6000", "普發現金要去哪裡登記", "郵局可以領現金嗎", "新生兒可以領嗎",
             "外籍配偶有沒有普發", "登記後多久入帳", "可以請家人代領嗎", "普發要繳稅嗎"]
PHASES = ["ask", "handoff", "accept", "relay", "stop"]  # "connect" starts with the generator
AGENT_PREFIX = "load"


# ---- the generator (one of --gen-procs worker processes) ------------------------------------------
class Peer:
    """One websocket (citizen chat or agent console) with a reader that files every frame."""

    def __init__(self, received: dict[str, float], marker: str, sender: str) -> None:
        self.ws: Any = None
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.received = received  # relayed text → arrival time, shared by the worker's peers
        self.marker, self.sender = marker, sender

    async def open(self, url: str, **options: Any) -> None:
        import websockets

        self.ws = await websockets.connect(url, open_timeout=60, max_queue=None, ping_interval=None, **options)
        asyncio.create_task(self._read())

    async def _read(self) -> None:
        import websockets

        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("type") == "message" and frame.get("sender") == self.sender \
                        and str(frame.get("text", "")).startswith(self.marker):
                    self.received[frame["text"]] = time.monotonic()
                await self.inbox.put(frame)
        except websockets.ConnectionClosed:
            pass

    async def wait(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 120.0) -> dict[str, Any]:
        async def scan() -> dict[str, Any]:
            while True:
                frame = await self.inbox.get()
                if predicate(frame):
                    return frame
        return await asyncio.wait_for(scan(), timeout)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    @property
    def open_now(self) -> bool:
        return self.ws is not None and self.ws.state.name == "OPEN"


class Failures(Counter[str]):
    def note(self, what: str, exc: BaseException) -> None:
        self[f"{what}: {type(exc).__name__}"] += 1


async def generate(args: argparse.Namespace) -> None:
    """This worker's share of citizens and agents, phase by phase as the driver says."""
    url, ws_url = args.url, args.url.replace("http", "ws")
    rng = random.Random(args.seed)
    at_citizens: dict[str, float] = {}  # agent text → arrival time at a citizen of this worker
    at_agents: dict[str, float] = {}    # citizen text → arrival time at an agent of this worker
    citizens = [Peer(at_citizens, "R", "agent") for _ in range(args.citizens)]
    agents = [Peer(at_agents, "Q", "citizen") for _ in args.agent_ids]
    conversation: dict[Peer, str] = {}
    failures = Failures()

    def report(figures: dict[str, Any]) -> None:
        print(json.dumps({**figures, "failures": dict(failures)}), flush=True)
        failures.clear()

    async def next_command() -> str:
        return (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()

    # 1. connect: agents first, then citizens at the given rate
    handshake_ms: list[float] = []

    async def agent_opens(peer: Peer, number: int, http: httpx.AsyncClient) -> None:
        try:
            token = (await http.post(f"{url}/auth/login", json={"username": f"{AGENT_PREFIX}{number}",
                                                                "password": args.password})).json()["token"]
            await peer.open(f"{ws_url}/ws/agent", subprotocols=["hotline.v1", f"bearer.{token}"])
            await peer.wait(lambda f: f.get("type") == "hello", 60)
        except Exception as exc:  # counted by kind
            failures.note("agent connect", exc)

    async def citizen_opens(peer: Peer) -> None:
        started = time.monotonic()
        try:
            await peer.open(f"{ws_url}/ws/chat")
            await peer.send({"type": "hello"})
            conversation[peer] = (await peer.wait(lambda f: f["type"] == "welcome", 60))["conversation_id"]
            await peer.wait(lambda f: f.get("type") == "message", 60)  # the greeting
            handshake_ms.append((time.monotonic() - started) * 1000)
        except Exception as exc:
            failures.note("citizen connect", exc)

    async with httpx.AsyncClient(timeout=120) as http:
        await asyncio.gather(*(agent_opens(peer, number, http) for peer, number in zip(agents, args.agent_ids)))
    started, tasks = time.monotonic(), []
    for i, peer in enumerate(citizens):
        tasks.append(asyncio.create_task(citizen_opens(peer)))
        await asyncio.sleep(max(0.0, started + (i + 1) / args.rate - time.monotonic()))
    await asyncio.gather(*tasks)
    report({"phase": "connect", "citizens_open": sum(p.open_now for p in citizens),
            "agents_open": sum(p.open_now for p in agents), "handshake_ms": handshake_ms})

    # 2. ask
    await next_command()
    bot_ms: list[float] = []

    async def ask(i: int, peer: Peer) -> None:
        await asyncio.sleep(args.ramp * i / max(1, len(citizens)))
        started = time.monotonic()
        try:
            await peer.send({"type": "message", "text": QUESTIONS[i % len(QUESTIONS)]})
            await peer.wait(lambda f: f.get("type") == "message" and f.get("sender") == "bot")
            bot_ms.append((time.monotonic() - started) * 1000)
        except Exception as exc:
            failures.note("ask", exc)

    await asyncio.gather(*(ask(i, p) for i, p in enumerate(citizens) if p in conversation))
    report({"phase": "ask", "bot_ms": bot_ms})

    # 3. handoff: the first ``--handoffs`` citizens of this worker ask for a person
    await next_command()
    handed = [p for p in citizens if p in conversation and p.open_now][:args.handoffs]

    async def hand_off(peer: Peer) -> bool:
        try:
            await peer.send({"type": "message", "text": "/handoff_yes"})
            await peer.wait(lambda f: f.get("type") == "state" and f.get("state") == "queued")
            return True
        except Exception as exc:
            failures.note("handoff", exc)
            return False

    queued = [p for p, ok in zip(handed, await asyncio.gather(*(hand_off(p) for p in handed))) if ok]
    report({"phase": "handoff", "queued": len(queued)})

    # 4. accept: each agent takes three chats from the shared queue (any worker's citizens)
    await next_command()
    chats: dict[Peer, list[str]] = {peer: [] for peer in agents if peer.open_now}

    async def take_three(peer: Peer) -> None:
        for _ in range(3):
            try:
                await peer.send({"type": "accept"})
                frame = await peer.wait(lambda f: f.get("type") == "assigned" or f.get("code") == "queue_empty", 60)
                if frame.get("type") == "assigned":
                    chats[peer].append(frame["conversation_id"])
                else:
                    failures["accept: queue empty"] += 1
            except Exception as exc:
                failures.note("accept", exc)

    await asyncio.gather(*(take_three(peer) for peer in chats))
    report({"phase": "accept", "assigned": sum(len(v) for v in chats.values())})

    # 5. relay: each chat once each way per round, at a random moment of the round
    await next_command()
    to_citizens: dict[str, float] = {}  # text → send time
    to_agents: dict[str, float] = {}

    async def later(delay: float, ledger: dict[str, float], peer: Peer, frame: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        ledger[frame["text"]] = time.monotonic()
        try:
            await peer.send(frame)
        except Exception as exc:
            failures.note("relay send", exc)

    sends = []
    for round_ in range(args.rounds):
        start = round_ * args.round_gap
        for peer, ids in chats.items():
            for cid in ids:
                sends.append(later(start + rng.random() * args.round_gap, to_citizens, peer,
                                   {"type": "message", "conversation_id": cid, "text": f"R{round_}-{cid}"}))
        for peer in queued:
            cid = conversation[peer]
            sends.append(later(start + rng.random() * args.round_gap, to_agents, peer,
                               {"type": "message", "text": f"Q{round_}-{cid}"}))
    await asyncio.gather(*sends)
    await asyncio.sleep(args.settle)
    report({"phase": "relay", "sent_to_citizens": to_citizens, "sent_to_agents": to_agents,
            "arrived_at_citizens": dict(at_citizens), "arrived_at_agents": dict(at_agents)})

    # 6. stop
    await next_command()
    still = sum(p.open_now for p in citizens) + sum(p.open_now for p in agents)
    await asyncio.gather(*(p.ws.close() for p in [*citizens, *agents] if p.ws is not None), return_exceptions=True)
    report({"phase": "stop", "still_open": still})


# ---- the driver ---------------------------------------------------------------------------------
def shares(total: int, k: int) -> list[int]:
    return [total // k + (1 if i < total % k else 0) for i in range(k)]


@contextmanager
def generators(args: argparse.Namespace, url: str) -> Iterator[list[subprocess.Popen[str]]]:
    k = args.gen_procs
    handoffs = shares(min(args.citizens, args.agents * 3), k)
    workers = [subprocess.Popen(
        [sys.executable, __file__, "--worker", "--url", url, "--citizens", str(n), "--handoffs", str(h),
         "--agent-ids", ",".join(str(a) for a in range(i, args.agents, k)), "--rate", str(args.rate / k),
         "--ramp", str(args.ramp), "--rounds", str(args.rounds), "--round-gap", str(args.round_gap),
         "--settle", str(args.settle), "--password", args.password, "--seed", str(i)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        for i, (n, h) in enumerate(zip(shares(args.citizens, k), handoffs))]
    try:
        yield workers
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
            w.wait(timeout=30)


def collect(workers: list[subprocess.Popen[str]], command: str | None) -> tuple[list[dict[str, Any]], float]:
    """Tell every worker to go on (``None``: they started by themselves), read one report each."""
    started = time.monotonic()
    if command is not None:
        for w in workers:
            w.stdin.write(command + "\n")  # type: ignore[union-attr]
            w.stdin.flush()  # type: ignore[union-attr]
    reports = []
    for w in workers:
        line = w.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"a load generator stopped (exit code {w.wait()})")
        reports.append(json.loads(line))
    return reports, time.monotonic() - started


def drive(args: argparse.Namespace, url: str, server_pids: list[int]) -> dict[str, Any]:
    """The six phases against ``url``; figures of the whole run."""
    stats: dict[str, Any] = {"before": [proc_stats(pid) for pid in server_pids]}
    failures: Counter[str] = Counter()
    with generators(args, url) as workers:
        connected, connect_seconds = collect(workers, None)
        stats["held"] = [proc_stats(pid) for pid in server_pids]
        health_held = sample_health(url)
        phase: dict[str, list[dict[str, Any]]] = {"connect": connected}
        seconds = {"connect": connect_seconds}
        for name in PHASES:
            phase[name], seconds[name] = collect(workers, name)
            if name == "relay":
                stats["after_relay"] = [proc_stats(pid) for pid in server_pids]
        for reports in phase.values():
            for r in reports:
                failures.update(r["failures"])
    held = sum(r["citizens_open"] + r["agents_open"] for r in phase["connect"])
    handshakes = [ms for r in phase["connect"] for ms in r["handshake_ms"]]
    bot = [ms for r in phase["ask"] for ms in r["bot_ms"]]
    merged: dict[str, dict[str, float]] = {key: {} for key in
                                           ("sent_to_citizens", "sent_to_agents", "arrived_at_citizens",
                                            "arrived_at_agents")}
    for r in phase["relay"]:
        for key in merged:
            merged[key].update(r[key])
    to_citizen = [(merged["arrived_at_citizens"][t] - s) * 1000 for t, s in merged["sent_to_citizens"].items()
                  if t in merged["arrived_at_citizens"]]
    to_agent = [(merged["arrived_at_agents"][t] - s) * 1000 for t, s in merged["sent_to_agents"].items()
                if t in merged["arrived_at_agents"]]
    sent = len(merged["sent_to_citizens"]) + len(merged["sent_to_agents"])
    before_rss = sum(s["rss_mb"] for s in stats["before"])
    held_rss = sum(s["rss_mb"] for s in stats["held"])
    return {
        "citizens": args.citizens, "agents": args.agents, "generator_processes": args.gen_procs,
        "connections_held": held, "connect_seconds": round(seconds["connect"], 1),
        "accept_rate_per_s": round(held / max(0.001, seconds["connect"]), 1),
        "handshake_p50_ms": percentile(handshakes, 0.5), "handshake_p99_ms": percentile(handshakes, 0.99),
        "bot_replies": len(bot), "bot_reply_p50_ms": percentile(bot, 0.5), "bot_reply_p99_ms": percentile(bot, 0.99),
        "queued": sum(r["queued"] for r in phase["handoff"]),
        "chats_with_agents": sum(r["assigned"] for r in phase["accept"]),
        "relay_messages": sent, "relay_p50_ms": percentile(to_citizen + to_agent, 0.5),
        "relay_p99_ms": percentile(to_citizen + to_agent, 0.99),
        "relay_to_citizen_p99_ms": percentile(to_citizen, 0.99), "relay_to_agent_p99_ms": percentile(to_agent, 0.99),
        "messages_lost": sent - len(to_citizen) - len(to_agent),
        "still_open_at_end": sum(r["still_open"] for r in phase["stop"]),
        "failures": dict(failures),
        "phase_seconds": {name: round(s, 1) for name, s in seconds.items()},
        "server": stats, "server_rss_mb_held": round(held_rss, 1),
        "rss_kb_per_connection": round((held_rss - before_rss) * 1024 / max(1, held), 1),
        "health_p50_ms_held": round(health_held[len(health_held) // 2], 1),
        "health_max_ms_held": round(health_held[-1], 1),
    }


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        data_dir = args.keep or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        env = server_env(args.home.resolve(), data_dir)
        prepare(env, f"sqlite:///{data_dir / 'chat.db'}", args.agents, AGENT_PREFIX, args.password)
        server = serve(env, args.port, data_dir / "server.log")
        try:
            return {"processes": 1, "proxy": None, **drive(args, f"http://127.0.0.1:{args.port}", [server.pid])}
        finally:
            stop([server])


def run_procs(args: argparse.Namespace) -> dict[str, Any]:
    """Through nginx over 1…N processes, each count on a fresh PostgreSQL database and Redis prefix."""
    from tests.infra import nginx_server, postgres_server, redis_server

    results = []
    with postgres_server() as pg, redis_server() as redis, tempfile.TemporaryDirectory(prefix="bench-procs-") as tmp:
        for n in range(1, args.procs + 1):
            extra = {"HOTLINE_DATABASE_URL": pg.create_database(f"bench{n}"), "HOTLINE_REDIS_URL": redis.url,
                     "HOTLINE_REDIS_PREFIX": f"bench{n}:"}
            work = Path(tmp) / f"n{n}"
            work.mkdir()
            env = server_env(args.home.resolve(), work, extra)
            prepare(env, extra["HOTLINE_DATABASE_URL"], args.agents, AGENT_PREFIX, args.password)
            ports = [args.port + 10 * n + i for i in range(n)]
            servers = []
            try:
                for port in ports:  # each process its own empty data directory: nothing shared on disk
                    own = work / f"app{port}"
                    own.mkdir()
                    servers.append(serve({**env, "HOTLINE_DATA_DIR": str(own)}, port, work / f"server-{port}.log"))
                with nginx_server(ports) as proxy:
                    figures = drive(args, proxy.url, [s.pid for s in servers])
                    chats_by_upstream = Counter(proxy.upstreams_of("/ws/chat"))
            finally:
                stop(servers)
            figures = {"processes": n, "proxy": "nginx", **figures,
                       "chat_sockets_per_process": dict(sorted(chats_by_upstream.items()))}
            print(json.dumps({k: v for k, v in figures.items() if k != "server"}), flush=True)
            results.append(figures)
    summary: dict[str, Any] = {"runs": results}
    if len(results) > 1:
        first, last = results[0], results[-1]
        summary["scaling"] = {
            "processes": [r["processes"] for r in results],
            "bot_reply_p99_ms": [r["bot_reply_p99_ms"] for r in results],
            "relay_p99_ms": [r["relay_p99_ms"] for r in results],
            "messages_lost": [r["messages_lost"] for r in results],
            "bot_reply_p99_ratio": round(last["bot_reply_p99_ms"] / max(0.01, first["bot_reply_p99_ms"]), 2),
            "relay_p99_ratio": round(last["relay_p99_ms"] / max(0.01, first["relay_p99_ms"]), 2),
            "note": "ratio of the last run's p99 to the 1-process run's, same load; below 1 means faster"}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=ROOT, help="project with config.yml and a deployed model")
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--gen-procs", type=int, default=4, help="load-generator processes")
    parser.add_argument("--rate", type=float, default=200.0, help="new citizen chats per second, in total")
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which citizens ask their question")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--round-gap", type=float, default=2.0,
                        help="seconds per round: each agent chat sends one message each way per round")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait for the last relayed messages")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--password", default="load-test-pass")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None,
                        help="data directory to keep (server log and database) instead of a temporary one")
    parser.add_argument("--procs", type=int, default=0,
                        help="measure 1…N server processes behind nginx on PostgreSQL + Redis (started here)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--handoffs", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--agent-ids", default="", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.agent_ids = [int(a) for a in args.agent_ids.split(",") if a]
        asyncio.run(generate(args))
        return
    raise_fd_limit()  # inherited by the servers and the generators
    if args.procs:
        figures = run_procs(args)
        out = args.out or ROOT / "results/bench_load_procs.json"
    else:
        figures = run_one(args)
        out = args.out or ROOT / "results/bench_load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures if args.procs else {k: v for k, v in figures.items() if k != "server"}, indent=2))


if __name__ == "__main__":
    main()
