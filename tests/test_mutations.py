"""The contract suite proves itself: it passes on the correct mocks and fails on every broken variant.

Each mutant of ``tests/mutants.py`` (Dakkio, Mixpeek, a third-party spec served with no profile) is
served by a real server process; ``dakkio-contract`` gates it as it would any deployment of that
API (its pack and the generic gate, stopping at the first failure). Prints the detection table.
"""

import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from .conftest import ROOT
from .livemock import free_port
from .mutants import MUTANTS, build, contract_args

BIN = Path(sys.executable).parent
# The suite needs none of these plugins (Schemathesis is skipped); not loading them saves ~2.5 s a run.
NO_PLUGINS = ["-p", "no:randomly", "-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:xdist",
              "-p", "no:anyio"]


def _child(name, port):
    import uvicorn

    uvicorn.run(build(name), host="127.0.0.1", port=port, log_level="error", access_log=False)


def _serve_all(names):
    """Fork one server per mutant from this process (Connexion already imported: ~1.5 s saved each),
    each on a port of its own; one that dies at start (its port taken meanwhile) gets another."""
    import mock_server.core.app  # noqa: F401 - import once, before forking
    import mock_server.profiles.dakkio  # noqa: F401
    import mock_server.profiles.mixpeek  # noqa: F401

    ctx = multiprocessing.get_context("fork")
    used: set[int] = set()

    def start(name):
        port = free_port()
        while port in used:
            port = free_port()
        used.add(port)
        proc = ctx.Process(target=_child, args=(name, port), daemon=True)
        proc.start()
        return proc, f"http://127.0.0.1:{port}"

    servers = {name: start(name) for name in names}
    deadline = time.monotonic() + 60
    for name in names:
        retried = False
        while True:
            proc, url = servers[name]
            try:
                if requests.get(url + "/__mock/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if not proc.is_alive() and not retried:
                servers[name], retried = start(name), True
            elif not proc.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"mutant {name} did not start")
            time.sleep(0.05)
    return servers


def _run_suite(name, url):
    out = subprocess.run([str(BIN / "dakkio-contract"), *contract_args(name, url), "--skip-schemathesis", "-x",
                          *NO_PLUGINS],
                         capture_output=True, text=True, cwd=ROOT, timeout=600,
                         env=dict(os.environ, DAKKIO_RUN_ID=f"mut{abs(hash(name)) % 10**6}"))
    failed = [line.split(" ")[1] for line in out.stdout.splitlines() if line.startswith("FAILED ")]
    return name, out.returncode, failed[:1], out.stdout[-3000:]


def _slowest_first(name: str) -> int:
    """Controls (full runs) first, so the two workers finish together."""
    return 0 if name.startswith("control") else 1


def test_suite_passes_on_the_mock_and_fails_on_every_mutant(capsys):
    names = sorted(MUTANTS, key=_slowest_first)
    controls = [n for n in names if n.startswith("control")]
    mutants = [n for n in names if n not in controls]
    apis = [MUTANTS[n].api for n in mutants]
    assert len(mutants) >= 40 and apis.count("mixpeek") >= 8 and apis.count("generic") >= 5, apis
    assert len({m.resource for m in MUTANTS.values()}) >= 7 and len({m.kind for m in MUTANTS.values()}) >= 12
    assert {MUTANTS[n].spec or MUTANTS[n].api for n in mutants} == {MUTANTS[n].spec or MUTANTS[n].api for n in controls}
    servers = _serve_all(names)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = {r[0]: r for r in pool.map(lambda n: _run_suite(n, servers[n][1]), names)}
    finally:
        for proc, _ in servers.values():
            proc.terminate()
        for proc, _ in servers.values():
            proc.join(timeout=10)
    rows = [f"{'mutant':<34} {'api':<8} {'resource':<14} {'defect':<18} {'detected by'}"]
    for name in list(MUTANTS):
        m, (_, code, failed, _) = MUTANTS[name], results[name]
        verdict = ("passes (control)" if code == 0 else "FAILS") if name in controls else \
            (failed[0] if failed else ("detected" if code else "MISSED"))
        rows.append(f"{name:<34} {m.api:<8} {m.resource:<14} {m.kind:<18} {verdict}")
    table = "\n".join(rows)
    with capsys.disabled():
        print("\n\nMutation self-test of the contract suite\n" + table + "\n")
    for control in controls:
        assert results[control][1] == 0, f"the suite must pass on the correct mock ({control}):\n" + results[control][3]
    missed = [n for n in mutants if results[n][1] == 0]
    assert not missed, f"mutants the suite did not catch: {missed}\n{table}"
    crashed = [n for n in names if results[n][1] not in (0, 1)]
    assert not crashed, f"suite errors (not test failures): {[(n, results[n][3]) for n in crashed]}"
