"""``dakkio-contract fuzz`` end to end, against one crash mutant of ``tests/crash_mutants.py``.

A short campaign (25 s at most, fixed seed, the crashing operation only) finds the crash the quick
profile misses, writes a reproducer, and that reproducer re-triggers the 500 on a fresh server of
the mutant and not on the correct mock. The whole API for two minutes, every crash mutant, and our
campaign against bare ``st fuzz`` are ``bench/fuzz_campaigns.py``'s job (bench/FUZZ_RESULTS.md).
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .conftest import ADMIN, ROOT
from .crash_mutants import CRASH_MUTANTS
from .livemock import free_port

BIN = Path(sys.executable).parent
MUTANT = "crash-reading-length"      # ingestData: a string reading of 12-19 characters
LABEL = "POST /api/data"
SEED = "20261202"


class Servers:
    """Mock variants served by ``python -m tests.crash_mutants NAME``, started in parallel."""

    def __init__(self, *names: str):
        self.procs, self.urls = [], []
        for name in names:
            port = free_port()
            self.procs.append(subprocess.Popen([sys.executable, "-m", "tests.crash_mutants", name, "--port", str(port)],
                                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            self.urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for proc, url in zip(self.procs, self.urls, strict=True):
            while True:
                try:
                    requests.get(url + "/__mock/health", timeout=1)
                    break
                except requests.RequestException:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError(f"{url} did not start") from None
                    time.sleep(0.05)

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def servers():
    s = Servers(MUTANT, MUTANT, MUTANT, "control")   # campaign, fresh replay target, quick profile, correct mock
    yield dict(zip(("campaign", "fresh", "quick", "control"), s.urls, strict=True))
    s.stop()


def dakkio_contract(*args, timeout=300):
    return subprocess.run([str(BIN / "dakkio-contract"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_the_mutant_crashes_on_its_trigger_only(servers):
    assert CRASH_MUTANTS[MUTANT].operations == ("ingestData",)
    h = {"X-API-Key": ADMIN}
    base = {"bucketId": "507f1f77bcf86cd799439011", "dataSourceId": "507f1f77bcf86cd799439015"}
    for url, text, status in [(servers["control"], "x" * 15, 201), (servers["fresh"], "x" * 11, 201),
                              (servers["fresh"], "x" * 20, 201), (servers["fresh"], "x" * 12, 500)]:
        r = requests.post(url + "/api/data", json={**base, "values": {"note": text}}, headers=h, timeout=10)
        assert r.status_code == status, (url, text, r.text)


def test_a_short_campaign_finds_the_crash_and_its_reproducer_replays(servers, tmp_path):
    out = tmp_path / "fuzz"
    run = dakkio_contract("fuzz", "--base-url", servers["campaign"], "-H", f"X-API-Key: {ADMIN}", "--duration", "25s",
                          "--include", "ingestData", "--seed", SEED, "--max-failures", "1", "--out", str(out))
    assert run.returncode == 1, run.stdout + run.stderr[-3000:]
    doc = json.loads((out / "report.json").read_text())
    (failure,) = doc["failures"]
    assert (failure["operation"], failure["check"], failure["status"]) == (LABEL, "not_a_server_error", 500)
    assert failure["reproduced"] is True and failure["first_found_s"] < 25
    assert "unique failures 1" in run.stderr and LABEL in run.stdout          # progress line, closing table
    assert doc["coverage"][LABEL]["statuses"].get("2xx", 0) > 0               # the world got it past the 404s
    folder = out / failure["dir"]
    cassette = folder / "cassette.yaml"
    body = json.loads(yaml_failing_body(cassette))
    (reading,) = body["values"].values()                                    # minimised to the trigger
    assert isinstance(reading, str) and 12 <= len(reading) <= 19
    assert body["bucketId"] == "{{bucketId}}" and body["dataSourceId"] == "{{dataSourceId}}"

    again = dakkio_contract("fuzz", "replay", str(cassette), "--base-url", servers["fresh"], "-H", f"X-API-Key: {ADMIN}")
    assert again.returncode == 1 and "REPRODUCED" in again.stdout, again.stdout + again.stderr
    fixed = dakkio_contract("fuzz", "replay", str(folder), "--base-url", servers["control"])   # demo key by itself
    assert fixed.returncode == 0 and "not reproduced" in fixed.stdout, fixed.stdout + fixed.stderr
    if shutil.which("curl") and shutil.which("bash"):
        script = subprocess.run(["bash", str(folder / "repro.sh")], capture_output=True, text=True, timeout=60,
                                env=dict(os.environ, BASE_URL=servers["fresh"], X_API_KEY=ADMIN))
        assert script.stdout.rstrip().endswith("HTTP 500"), script.stdout + script.stderr


def yaml_failing_body(cassette: Path) -> str:
    import yaml

    doc = yaml.safe_load(cassette.read_text())
    (failing,) = [i for i in doc["http_interactions"] if i["role"] == "failing"]
    return failing["request"]["body"]["string"]


def test_the_quick_profile_misses_it(servers):
    """Schemathesis with the quick profile's settings (as ``contract_tests/test_schemathesis.py`` runs it)."""
    exe = BIN / "schemathesis"
    cmd = [str(exe), "--config-file", str(ROOT / "contract_tests" / "schemathesis.toml"), "run",
           str(ROOT / "openapi" / "dakkio.yaml"), "--url", servers["quick"], "-H", f"X-API-Key: {ADMIN}",
           "--checks", "all", "-n", "10", "--seed", "20261124", "--phases", "examples,coverage,fuzzing,stateful",
           "--no-color"]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="contract_tests.st_hooks", DAKKIO_CONTRACT_PREFIX="ctr-quick-",
               PYTHONPATH=str(ROOT))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    text = out.stdout + out.stderr
    assert out.returncode == 0 and "Server error" not in text, text[-4000:]
    assert "Tested: 16" in text.split("SUMMARY")[-1]
