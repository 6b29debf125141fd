"""Real PostgreSQL, Redis and nginx servers for tests, started from the machine's own binaries.

``postgres_server()`` runs ``initdb`` and ``pg_ctl`` in a temporary directory (as the ``postgres``
system user when the tests run as root: initdb refuses root) on a free loopback port with trust
authentication. ``redis_server()`` runs ``redis-server`` on a free port with no persistence, so a
restart loses everything Redis held — which is the point: PostgreSQL is the record.
``nginx_server()`` runs Debian's ``/usr/sbin/nginx`` with ``deploy/nginx.conf`` (only its upstream
servers and listen port replaced) in front of app processes on loopback ports.

Both are context managers; this module is also a pytest plugin with the session fixtures ``pg``
and ``redis_srv`` (import them, e.g. ``from tests.infra import pg, redis_srv``). When the binaries
are missing the fixtures skip naming the package to install (they fail instead when
HOTLINE_REQUIRE_SERVERS=1, as ``.ci/run`` sets after installing them).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PG_HINT = "PostgreSQL server binaries not found: apt-get install postgresql (or set HOTLINE_PG_BINDIR)"
REDIS_HINT = "redis-server not found: apt-get install redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, process_alive: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive():
            raise RuntimeError(f"{what} exited early:\n{_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout} s:\n{_tail(log)}")


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


# ---- PostgreSQL ----------------------------------------------------------------------------------
def pg_bindir() -> Path | None:
    """Where initdb/pg_ctl/postgres live: HOTLINE_PG_BINDIR, Debian's versioned dir, or PATH."""
    candidates = [os.environ.get("HOTLINE_PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).resolve().parent))  # type: ignore[arg-type]
    for candidate in candidates:
        if candidate and all((Path(candidate) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(candidate)
    return None


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    user: str = "postgres"
    _runas: list[str] = field(default_factory=list)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        """A user-form URL (``postgresql://``), as a deployment would write it."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def sqlalchemy_url(self, dbname: str = "postgres") -> str:
        """The same database for ``sqlalchemy.create_engine`` (psycopg 3 driver)."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its user-form URL."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*self._runas, str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=check, timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
                   "-c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        result = self._pg_ctl("-w", "-t", "60", "-l", str(self.root / "postgres.log"), "-o", options, "start",
                              check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stdout.decode(errors='replace')}\n"
                               f"{_tail(self.root / 'postgres.log')}")

    def stop(self) -> None:
        self._pg_ctl("-w", "-m", "fast", "stop", check=False)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on a free loopback port; removed on exit."""
    bindir = pg_bindir()
    if bindir is None:
        raise FileNotFoundError(PG_HINT)
    root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    runas: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres system user
        shutil.chown(root, user="postgres", group="postgres")
        runas = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(bindir=bindir, root=root, port=free_port(), _runas=runas)
    try:
        subprocess.run([*runas, str(bindir / "initdb"), "-D", str(server.datadir), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True, timeout=120)
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


# ---- Redis ---------------------------------------------------------------------------------------
@dataclass
class RedisServer:
    """``redis-server`` without persistence: ``restart()`` comes back empty on the same port."""

    executable: str
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        if self.running:
            return
        log = self.root / "redis.log"
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--logfile", str(log), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, lambda: self.running, timeout, "redis-server", log)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"redis-server on port {self.port} did not answer PING")

    def stop(self) -> None:
        """Stop the server (SIGTERM: with no persistence configured, everything it held is lost)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        """Stop, then start again on the same port (clients reconnect to the same URL)."""
        self.stop()
        self.start()


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    executable = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                                  else None)
    if executable is None:
        raise FileNotFoundError(REDIS_HINT)
    root = Path(tempfile.mkdtemp(prefix="hotline-redis-"))
    server = RedisServer(executable=executable, root=root, port=free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


# ---- nginx ---------------------------------------------------------------------------------------
NGINX_HINT = "nginx not found: apt-get install nginx (Debian's package, /usr/sbin/nginx)"
DEPLOY_NGINX = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def local_site(upstreams: list[int], port: int, source: Path = DEPLOY_NGINX) -> str:
    """deploy/nginx.conf with exactly two changes: the upstream servers are loopback ports instead
    of the compose service ``app``, and it listens on a loopback port instead of 80. Everything
    else (round-robin, websocket upgrade, timeouts, next-upstream) is the deployed config."""
    text = source.read_text(encoding="utf-8")
    lines, servers, listens = [], 0, 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("server app:8000"):
            options = stripped.removeprefix("server app:8000").rstrip(";").strip()
            lines.extend(f"    server 127.0.0.1:{p} {options};" for p in upstreams)
            servers += 1
        elif stripped == "listen 80;":
            lines.append(f"    listen 127.0.0.1:{port};")
            listens += 1
        else:
            lines.append(line)
    if (servers, listens) != (1, 1):
        raise ValueError(f"{source}: expected one 'server app:8000' and one 'listen 80;' line")
    return "\n".join(lines) + "\n"


@dataclass
class NginxServer:
    """nginx from the distribution's package in front of ``upstreams``, with deploy/nginx.conf."""

    executable: str
    root: Path
    port: int
    upstreams: list[int]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def upstreams_of(self, path: str) -> list[str]:
        """The upstream (app address) of each logged request to ``path``, in log order (a
        websocket is logged when it closes)."""
        log = self.root / "logs" / "access.log"
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        return [line.split()[-1] for line in lines if line.split()[1:2] == [path]]

    def start(self, timeout: float = 20.0) -> None:
        for sub in ("tmp", "logs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "hotline.conf").write_text(local_site(self.upstreams, self.port), encoding="utf-8")
        user = "user root root;\n" if os.geteuid() == 0 else ""  # workers write the temp paths below
        temp = "".join(f"    {kind}_temp_path {self.root / 'tmp' / kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (self.root / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {self.root / 'nginx.pid'};\nerror_log {self.root / 'logs' / 'error.log'} warn;\n"
            "worker_rlimit_nofile 65536;\nevents {\n    worker_connections 16384;\n}\n"
            "http {\n    log_format upstream '$request_method $uri $status $upstream_addr';\n"
            f"    access_log {self.root / 'logs' / 'access.log'} upstream;\n{temp}"
            f"    include {self.root / 'hotline.conf'};\n}}\n", encoding="utf-8")
        with (self.root / "logs" / "stderr.log").open("wb") as stderr:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [self.executable, "-p", str(self.root), "-c", str(self.root / "nginx.conf"), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL, stderr=stderr)
        _wait_for_port(self.port, lambda: self.process is not None and self.process.poll() is None, timeout,
                       "nginx", self.root / "logs" / "error.log")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@contextmanager
def nginx_server(upstreams: list[int], port: int | None = None) -> Iterator[NginxServer]:
    """nginx on a free loopback port, round-robin over the ``upstreams`` ports; removed on exit."""
    executable = nginx_binary()
    if executable is None:
        raise FileNotFoundError(NGINX_HINT)
    root = Path(tempfile.mkdtemp(prefix="hotline-nginx-"))
    server = NginxServer(executable=executable, root=root, port=port or free_port(), upstreams=upstreams)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


# ---- pytest fixtures -----------------------------------------------------------------------------
def _missing(hint: str) -> None:
    """Skip for a developer without the packages; fail in CI (.ci/run sets HOTLINE_REQUIRE_SERVERS=1)."""
    if os.environ.get("HOTLINE_REQUIRE_SERVERS") == "1":
        pytest.fail(hint)
    pytest.skip(hint)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session; create a database per test with ``create_database``."""
    if pg_bindir() is None:
        _missing(PG_HINT)
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_srv() -> Iterator[RedisServer]:
    """One Redis server for the session; a test that stops it starts it again (``restart()``)."""
    if shutil.which("redis-server") is None and not Path("/usr/bin/redis-server").exists():
        _missing(REDIS_HINT)
    with redis_server() as server:
        yield server
