"""Start-up: launch ``dakkio-mock --seed 1`` (demo fixtures) and time the first 200 of /__mock/health.

Polls every 10 ms with a plain socket-level HTTP request; median of ``BENCH_STARTUP_RUNS`` (3).
Also times, in fresh interpreters, where start-up goes: interpreter alone, ``import connexion``,
``import mock_server.core.app`` (with the Dakkio profile), and ``create_app()`` with the demo fixtures.

Usage: python bench/startup.py [--json PATH]
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time

import benchlib as B

RUNS = int(os.environ.get("BENCH_STARTUP_RUNS", "3"))
POLL = 0.010

PHASES = r"""
import json, time
t0 = time.perf_counter()
import connexion  # noqa
t1 = time.perf_counter()
import mock_server.core.app as app_module
from mock_server import profiles
dakkio = profiles.get("dakkio")   # the profile is imported on first use: count it with the import
t2 = time.perf_counter()
app = app_module.create_app(dakkio, dakkio.fixtures.default, seed=1, validate_responses=False)
t3 = time.perf_counter()
import uvicorn  # noqa
t4 = time.perf_counter()
print(json.dumps({"import_connexion": t1 - t0, "import_mock_server_app": t2 - t1, "create_app": t3 - t2,
                  "import_uvicorn": t4 - t3}))
"""


def healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/__mock/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def one_start() -> float:
    port = B.free_port()
    started = time.perf_counter()
    server = B.Server("startup", B.mock_cmd(port), port, cpu=None)
    try:
        while not healthy(port):
            if server.proc.poll() is not None:
                raise RuntimeError(f"dakkio-mock exited with {server.proc.returncode}; see {server.log_path}")
            if time.perf_counter() - started > 30:
                raise RuntimeError("dakkio-mock did not become healthy within 30 s")
            time.sleep(POLL)
        return time.perf_counter() - started
    finally:
        server.stop()


def main() -> int:
    B.install_signal_handlers()
    out_path = B.json_arg()
    try:
        times = [one_start() for _ in range(RUNS)]
    finally:
        B.stop_all()
    t = time.perf_counter()
    subprocess.run([B.PYTHON, "-c", "pass"], check=True)
    bare_python = time.perf_counter() - t
    phases = json.loads(subprocess.run([B.PYTHON, "-c", PHASES], capture_output=True, text=True, check=True,
                                       cwd=B.ROOT).stdout.strip().splitlines()[-1])
    phases["python_startup"] = bare_python
    r = {"median_s": B.median(times), "runs_s": times, "phases_s": phases}
    print(f"start-up to first healthy response: median {r['median_s']:.3f} s "
          f"(runs {', '.join(f'{x:.3f}' for x in times)})")
    print("breakdown (fresh interpreter): " + ", ".join(f"{k} {v:.3f} s" for k, v in phases.items()))
    B.write_json(out_path, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
