"""The contract suite proves itself: it passes on the mock and fails on every broken variant.

Each mutant of ``tests/mutants.py`` is served by a real server process; the hand-written suites run
against it (stopping at the first failure). Prints the detection table.
"""

import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .conftest import ADMIN, ROOT
from .livemock import free_port
from .mutants import MUTANTS, build

BIN = Path(sys.executable).parent


def _child(name, port):
    import uvicorn

    uvicorn.run(build(name), host="127.0.0.1", port=port, log_level="error", access_log=False)


def _serve_all(names):
    """Fork one server per mutant from this process (Connexion already imported: ~1.5 s saved each)."""
    import mock_server.core.app  # noqa: F401 - import once, before forking
    import mock_server.profiles.dakkio  # noqa: F401

    ctx = multiprocessing.get_context("fork")
    servers = {}
    for name in names:
        port = free_port()
        proc = ctx.Process(target=_child, args=(name, port), daemon=True)
        proc.start()
        servers[name] = (proc, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    for name, (proc, url) in servers.items():
        while True:
            try:
                requests.get(url + "/__mock/health", timeout=1)
                break
            except requests.RequestException:
                if not proc.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"mutant {name} did not start") from None
                time.sleep(0.05)
    return servers


def _run_suite(name, url):
    out = subprocess.run([str(BIN / "dakkio-contract"), "--base-url", url, "--admin-key", ADMIN,
                          "--skip-schemathesis", "-x", "-p", "no:randomly"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600,
                         env=dict(os.environ, DAKKIO_RUN_ID=f"mut{abs(hash(name)) % 10**6}"))
    failed = [line.split(" ")[1] for line in out.stdout.splitlines() if line.startswith("FAILED ")]
    return name, out.returncode, failed[:1], out.stdout[-3000:]


def test_suite_passes_on_the_mock_and_fails_on_every_mutant(capsys):
    names = list(MUTANTS)
    assert len(names) - 1 >= 20
    assert len({m.resource for m in MUTANTS.values()}) >= 7 and len({m.kind for m in MUTANTS.values()}) >= 12
    servers = _serve_all(names)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = {r[0]: r for r in pool.map(lambda n: _run_suite(n, servers[n][1]), names)}
    finally:
        for proc, _ in servers.values():
            proc.terminate()
        for proc, _ in servers.values():
            proc.join(timeout=10)
    rows = [f"{'mutant':<34} {'resource':<14} {'defect':<18} {'detected by'}"]
    for name in names:
        m, (_, code, failed, _) = MUTANTS[name], results[name]
        verdict = ("passes (control)" if code == 0 else "FAILS") if name == "control" else \
            (failed[0] if failed else ("detected" if code else "MISSED"))
        rows.append(f"{name:<34} {m.resource:<14} {m.kind:<18} {verdict}")
    table = "\n".join(rows)
    with capsys.disabled():
        print("\n\nMutation self-test of the contract suite\n" + table + "\n")
    control = results["control"]
    assert control[1] == 0, "the suite must pass on the correct mock:\n" + control[3]
    missed = [n for n in names if n != "control" and results[n][1] == 0]
    assert not missed, f"mutants the suite did not catch: {missed}\n{table}"
    crashed = [n for n in names if results[n][1] not in (0, 1)]
    assert not crashed, f"suite errors (not test failures): {[(n, results[n][3]) for n in crashed]}"
