"""What the server benchmarks share: starting `hotline serve`, seeding its store, reading /proc.

Used by bench/load.py and bench/idle.py (run as scripts, so this is imported as ``harness``).
"""
from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CLOCK = "2026-11-30T10:00:00+08:00"  # a Monday, 10:00 Taipei: staffed hours
HOTLINE = [sys.executable, "-m", "handoff.cli"]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 2)


def proc_stats(pid: int) -> dict[str, float]:
    """RSS, open file descriptors and CPU seconds (user + system) of a process."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return {"rss_mb": round(rss, 1), "fds": len(os.listdir(f"/proc/{pid}/fd")), "cpu_s": round(cpu, 2)}


def raise_fd_limit() -> int:
    """Soft file-descriptor limit up to the hard one (inherited by servers and generators)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def server_env(home: Path, data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a benchmark server: ``home``'s config and deployed model, its own data
    directory, the clock inside staffed hours, and citizens kept while they wait."""
    return {**os.environ, "HOTLINE_HOME": str(home), "HOTLINE_DATA_DIR": str(data_dir), "HOTLINE_CLOCK": CLOCK,
            "HOTLINE_CITIZEN_GRACE_SECONDS": "600", **(extra or {})}


def prepare(env: dict[str, str], database_url: str, agents: int, prefix: str, password: str) -> None:
    """The KB and ``agents`` agent accounts (``prefix0``…, capacity 3, one shared password hash:
    200 separate bcrypt hashes would take a minute) in the store the servers will use."""
    from handoff.auth import hash_password
    from handoff.storage.database import Database
    from handoff.storage.store import SQLConversationStore

    subprocess.run([*HOTLINE, "kb", "import", str(ROOT.parent / "shared/kb/faq.jsonl"), "--no-stubs", "--yes"],
                   env=env, check=True, capture_output=True)
    db = Database(database_url)
    store, hashed = SQLConversationStore(db), hash_password(password)
    for i in range(agents):
        asyncio.run(store.add_user(f"{prefix}{i}", hashed, "agent", None, 3))
    db.close()


def serve(env: dict[str, str], port: int, log_path: Path, timeout: float = 120.0) -> subprocess.Popen[bytes]:
    """`hotline serve` on a loopback port, returned once /health answers ok."""
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([*HOTLINE, "serve"], env={**env, "HOTLINE_PORT": str(port)}, stdout=log,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()["status"] == "ok":
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {log_path.read_text()[-2000:]}")


def sample_health(url: str, n: int = 20) -> list[float]:
    """``n`` /health round trips in ms, sorted: the event loop's lag while connections are held."""
    latencies = []
    with httpx.Client(timeout=60) as client:
        for _ in range(n):
            t = time.perf_counter()
            client.get(f"{url}/health")
            latencies.append((time.perf_counter() - t) * 1000)
            time.sleep(0.05)
    return sorted(latencies)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
