"""Connections per box: how many idle chats one server process holds, and what runs out first.

One ``hotline serve`` (embedded SQLite, in-process queue) on loopback; the load generator runs as
``--gen-procs`` separate processes (so the generator's own event loop is not what limits), each
opening its share of citizen websockets (hello → welcome → greeting) at ``--rate`` connections
per second in total, and of agent consoles. While they are held the server's RSS, open file
descriptors, CPU and /health latency (a proxy for event-loop lag) are sampled. Reports the accept
rate, RSS per idle connection, handshake failures by kind, and writes results/bench_idle.json.

    .venv/bin/python bench/idle.py --home . --citizens 10000 --agents 200 --gen-procs 4

``--home`` is a project with config.yml and a deployed model (default: this checkout).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from harness import ROOT, prepare, proc_stats, raise_fd_limit, sample_health, serve, server_env, stop

AGENT_PREFIX = "idle"


# ---- the generator (one of --gen-procs worker processes) ------------------------------------------
async def generate(url: str, citizens: int, agents: list[int], rate: float, password: str) -> None:
    import websockets

    ws_url = url.replace("http", "ws")
    held: list[Any] = []
    failures: dict[str, int] = {}
    handshake_ms: list[float] = []

    async def citizen() -> None:
        started = time.perf_counter()
        try:
            ws = await websockets.connect(f"{ws_url}/ws/chat", open_timeout=30, max_queue=None, ping_interval=None)
            await ws.send(json.dumps({"type": "hello"}))
            while json.loads(await asyncio.wait_for(ws.recv(), 30)).get("type") != "message":
                pass  # welcome, state…, then the greeting: the chat is fully set up
            handshake_ms.append((time.perf_counter() - started) * 1000)
            held.append(ws)
        except Exception as exc:  # counted by kind: what runs out first
            failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1

    async def agent(number: int, http: httpx.AsyncClient) -> None:
        try:
            token = (await http.post(f"{url}/auth/login", json={"username": f"{AGENT_PREFIX}{number}",
                                                                "password": password}))\
                .json()["token"]
            ws = await websockets.connect(f"{ws_url}/ws/agent", open_timeout=30, max_queue=None, ping_interval=None,
                                          subprotocols=["hotline.v1", f"bearer.{token}"])
            await asyncio.wait_for(ws.recv(), 30)
            held.append(ws)
        except Exception as exc:
            failures["agent " + type(exc).__name__] = failures.get("agent " + type(exc).__name__, 0) + 1

    tasks = []
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as http:
        # Agents log in first, as a shift starts before the citizens come: a login is a bcrypt check
        # (~0.25 s of CPU), and 200 at once starve the server's event loop of both cores.
        await asyncio.gather(*(agent(number, http) for number in agents))
        started = time.perf_counter()
        for i in range(citizens):
            tasks.append(asyncio.create_task(citizen()))
            await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
    ordered = sorted(handshake_ms)
    print(json.dumps({"held": len(held), "failures": failures, "seconds": round(time.perf_counter() - started, 1),
                      "handshake_p50_ms": round(ordered[len(ordered) // 2], 1) if ordered else None,
                      "handshake_p99_ms": round(ordered[int(len(ordered) * 0.99)], 1) if ordered else None}),
          flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # hold until told to stop
    open_now = sum(1 for ws in held if ws.state.name == "OPEN")
    print(json.dumps({"still_open": open_now}), flush=True)
    await asyncio.gather(*(ws.close() for ws in held), return_exceptions=True)


# ---- the driver ---------------------------------------------------------------------------------
def drive(args: argparse.Namespace) -> dict[str, Any]:
    raise_fd_limit()  # inherited by the server and the workers
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp:
        data_dir = Path(tmp)
        env = server_env(args.home.resolve(), data_dir)
        prepare(env, f"sqlite:///{data_dir / 'chat.db'}", args.agents, AGENT_PREFIX, args.password)
        server = serve(env, args.port, data_dir / "server.log")
        url = f"http://127.0.0.1:{args.port}"
        try:
            before = proc_stats(server.pid)
            idle_health = sample_health(url)
            k = args.gen_procs
            workers = [subprocess.Popen(
                [sys.executable, __file__, "--worker", "--url", url, "--citizens", str(args.citizens // k +
                 (1 if i < args.citizens % k else 0)), "--agent-ids", ",".join(str(a) for a in range(i, args.agents, k)),
                 "--rate", str(args.rate / k), "--password", args.password],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(k)]
            t0 = time.perf_counter()
            reports = [json.loads(w.stdout.readline()) for w in workers]  # type: ignore[union-attr]
            connect_seconds = time.perf_counter() - t0
            time.sleep(args.hold)
            held = proc_stats(server.pid)
            loaded_health = sample_health(url)
            for w in workers:
                w.stdin.write("stop\n")  # type: ignore[union-attr]
                w.stdin.flush()  # type: ignore[union-attr]
            still = [json.loads(w.stdout.readline())["still_open"] for w in workers]  # type: ignore[union-attr]
            for w in workers:
                w.wait(timeout=120)
        finally:
            stop([server])
    total = sum(r["held"] for r in reports)
    failures: dict[str, int] = {}
    for r in reports:
        for kind, n in r["failures"].items():
            failures[kind] = failures.get(kind, 0) + n
    return {
        "citizens": args.citizens, "agents": args.agents, "generator_processes": args.gen_procs,
        "target_rate_per_s": args.rate, "connections_held": total, "still_open_after_hold": sum(still),
        "failures": failures, "connect_seconds": round(connect_seconds, 1),
        "accept_rate_per_s": round(total / connect_seconds, 1),
        "handshake_p99_ms_worst_generator": max((r["handshake_p99_ms"] or 0) for r in reports),
        "server_before": before, "server_held": held,
        "rss_kb_per_connection": round((held["rss_mb"] - before["rss_mb"]) * 1024 / max(1, total), 1),
        "server_cpu_s_during_connect_and_hold": round(held["cpu_s"] - before["cpu_s"], 1),
        "health_p50_ms_idle": round(idle_health[len(idle_health) // 2], 1),
        "health_p99_ms_idle": round(idle_health[-1], 1),
        "health_p50_ms_held": round(loaded_health[len(loaded_health) // 2], 1),
        "health_max_ms_held": round(loaded_health[-1], 1),
        "fd_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, default=ROOT, help="project with config.yml and a deployed model")
    parser.add_argument("--citizens", type=int, default=10000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--gen-procs", type=int, default=4, help="load-generator processes")
    parser.add_argument("--rate", type=float, default=500.0, help="new citizen connections per second, in total")
    parser.add_argument("--hold", type=float, default=10.0, help="seconds to hold every connection open")
    parser.add_argument("--port", type=int, default=8795)
    parser.add_argument("--password", default="idle-load-pass")
    parser.add_argument("--out", type=Path, default=ROOT / "results/bench_idle.json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--agent-ids", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        agents = [int(a) for a in args.agent_ids.split(",") if a]
        asyncio.run(generate(args.url, args.citizens, agents, args.rate, args.password))
        return
    figures = drive(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
