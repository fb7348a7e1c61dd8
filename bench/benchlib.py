"""Helpers shared by the benchmark scripts: ports, server processes, wrk, results files.

Every server a benchmark starts goes through ``Server``: it runs in its own process group
(``start_new_session``) and is stopped by that group's id, on normal exit, on an exception
and on SIGTERM/SIGINT (``bench/run`` wraps each script in ``timeout``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
DAKKIO_MOCK = str(VENV_BIN / "dakkio-mock")
PRISM = str(WORK / "node_modules" / ".bin" / "prism")
SPEC = str(ROOT / "openapi" / "dakkio.yaml")

# Demo fixtures (fixtures/demo.yaml).
ADMIN_KEY = "dakkio_a_demoadmin0000000000000000000000000000000"
WRITE_KEY = "dakkio_w_homewrite0000000000000000000000000000000"
BUCKET_ID = "507f1f77bcf86cd799439011"
SOURCE_ID = "507f1f77bcf86cd799439015"

# Server on CPU0, load generator on CPU1 (perf-notes.md); no pinning on a single-CPU machine.
_PIN = len(os.sched_getaffinity(0)) >= 2
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "0") if _PIN else None
LOAD_CPU = os.environ.get("BENCH_LOAD_CPU", "1") if _PIN else None

_live: list[Server] = []


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def install_signal_handlers() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks stop the servers."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def pinned(cmd: list[str], cpu: str | None) -> list[str]:
    if cpu is None or shutil.which("taskset") is None:
        return cmd
    return ["taskset", "-c", cpu, *cmd]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server subprocess on 127.0.0.1, pinned to ``SERVER_CPU``."""

    def __init__(self, name: str, cmd: list[str], port: int, cpu: str | None = SERVER_CPU,
                 env: dict | None = None):
        self.name = name
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        WORK.mkdir(parents=True, exist_ok=True)
        self.log_path = WORK / f"{name}.log"
        self._log = open(self.log_path, "wb")  # closed in stop()
        self.cmd = pinned(cmd, cpu)
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     env={**os.environ, **(env or {})})
        _live.append(self)

    def wait_ready(self, path: str, headers: dict | None = None, timeout: float = 60.0) -> float:
        """Poll ``path`` until it answers (any HTTP status); seconds waited."""
        started = time.perf_counter()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                http_request("GET", self.base + path, headers=headers, timeout=2)
                return time.perf_counter() - started
            except OSError as exc:
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"{self.name} did not answer within {timeout}s; see {self.log_path}") from exc
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self._log.close()
        if self in _live:
            _live.remove(self)


def stop_all() -> None:
    for server in list(_live):
        server.stop()


def http_request(method: str, url: str, body: bytes | None = None, headers: dict | None = None,
                 timeout: float = 10) -> tuple[int, bytes]:
    """(status, body); HTTP error statuses are returned, connection errors raise OSError."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except urllib.error.URLError as exc:
        raise OSError(str(exc.reason)) from exc


def mock_cmd(port: int) -> list[str]:
    # Default uvicorn settings of dakkio-mock: uvloop + httptools, no access log,
    # response validation off (no --validate-responses).
    return [DAKKIO_MOCK, "--port", str(port), "--seed", "1", "--log-level", "warning"]


# ---------------------------------------------------------------- wrk

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


_HZ = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, steal) clock ticks of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    return user + nice + system + irq + softirq, steal


def process_ticks(pid: int) -> int:
    """utime + stime of a process (all its threads), in clock ticks; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


class OtherLoad:
    """CPU used by processes other than ours (and host steal) during a measurement, in CPUs.

    Busy time of the whole machine minus the server's, this process's and its waited-for
    children's (wrk). Other work on a 2-CPU box skews every figure, so it is reported.
    """

    def __init__(self, server_pid: int | None = None):
        self.server_pid = server_pid

    def __enter__(self):
        self.t = time.perf_counter()
        self.busy, self.steal = machine_ticks()
        self.server = process_ticks(self.server_pid) if self.server_pid else 0
        tm = os.times()
        self.own = tm.user + tm.system + tm.children_user + tm.children_system
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t
        busy, steal = machine_ticks()
        server = process_ticks(self.server_pid) if self.server_pid else 0
        tm = os.times()
        own = tm.user + tm.system + tm.children_user + tm.children_system
        ours = (server - self.server) / _HZ + (own - self.own)
        self.other_cpus = max(0.0, ((busy - self.busy) / _HZ - ours) / wall) if wall > 0 else 0.0
        self.steal_cpus = (steal - self.steal) / _HZ / wall if wall > 0 else 0.0
        return False


def run_wrk(url: str, seconds: float, connections: int = 32, headers: dict | None = None,
            script: str | None = None, env: dict | None = None, server_pid: int | None = None) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "5s"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    with OtherLoad(server_pid) as load:
        done = subprocess.run(pinned(cmd, LOAD_CPU), capture_output=True, text=True, timeout=seconds + 30,
                              env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0,
        "p50_ms": _ms(p50.group(1)) if p50 else float("nan"),
        "p99_ms": _ms(p99.group(1)) if p99 else float("nan"),
        "other_cpus": load.other_cpus,
        "steal_cpus": load.steal_cpus,
        "raw": out,
    }


# ---------------------------------------------------------------- misc

def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2))


def json_arg(argv: list[str] | None = None) -> str | None:
    """The value of ``--json PATH`` if given."""
    argv = sys.argv[1:] if argv is None else argv
    if "--json" in argv:
        i = argv.index("--json")
        return argv[i + 1] if i + 1 < len(argv) else None
    return None


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
