"""The contract suite against the mock: zero failures; read-only sends no writes; --lenient demotes assumptions."""

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from .conftest import ADMIN, ROOT
from .livemock import LiveMock

BIN = Path(sys.executable).parent


def _contract(*args, timeout=900):
    return subprocess.run([str(BIN / "dakkio-contract"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def test_quick_profile_passes_against_the_mock_it_starts(tmp_path):
    started = time.monotonic()
    out = _contract("--profile", "quick", "--report", str(tmp_path))
    elapsed = time.monotonic() - started
    assert out.returncode == 0, out.stdout[-8000:] + out.stderr[-2000:]
    report = (tmp_path / "conformance.md").read_text()
    assert "0 failed" in report and "| FAIL |" not in report
    assert "## POST /api/data/batch (batchIngestData)" in report and "assumption (decision 8)" in report
    assert (tmp_path / "junit.xml").exists() and list((tmp_path / "schemathesis").glob("junit-*.xml"))
    _every_field_compared(tmp_path)
    print(f"\ncontract suite, profile quick, against the mock: {elapsed:.1f} s")


def _every_field_compared(report_dir):
    """The rule *values*: no documented response field of any operation escapes the pack's cases."""
    found = json.loads((report_dir / "values.json").read_text())
    assert found["documented"] > 0 and found["missing"] == {}, found["missing"]
    assert f"values: {found['documented']}/{found['documented']} documented response fields" in \
        (report_dir / "conformance.md").read_text()


def test_read_only_sends_no_writes():
    mock = LiveMock("--seed", "4")
    try:
        before = requests.get(mock.url + "/__mock/state", timeout=10).json()
        requests.delete(mock.url + "/__mock/journal", timeout=10)
        out = _contract("--base-url", mock.url, "--admin-key", ADMIN, "--read-only")
        assert out.returncode == 0, out.stdout[-6000:]
        journal = requests.get(mock.url + "/__mock/journal?limit=100000", timeout=10).json()["entries"]
        writes = [e for e in journal if e["method"] not in ("GET", "HEAD", "OPTIONS")
                  and not (e["method"] == "POST" and e["path"] == "/api/data/query")]
        assert journal and not writes, writes[:5]
        assert requests.get(mock.url + "/__mock/state", timeout=10).json() == before
    finally:
        mock.stop()


def test_lenient_turns_assumption_failures_into_warnings(tmp_path):
    mock = LiveMock(mutant="query-never-downsamples")
    try:
        args = ["--base-url", mock.url, "--admin-key", ADMIN, "--skip-schemathesis", "-k", "downsampling"]
        strict = _contract(*args)
        assert strict.returncode == 1 and "test_downsampling" in strict.stdout
        lenient = _contract(*args, "--lenient", "--report", str(tmp_path))
        assert lenient.returncode == 0, lenient.stdout[-4000:]
        assert "assumption check(s) failed and were reported as warnings" in lenient.stdout
        assert "| warn |" in (tmp_path / "conformance.md").read_text()
    finally:
        mock.stop()


def test_the_mixpeek_pack_runs_for_a_mixpeek_target_and_deletes_what_it_created(tmp_path):
    mock = LiveMock("--api", "mixpeek", "--seed", "3", "--validate-responses")
    try:
        before = requests.get(mock.url + "/__mock/state", timeout=10).json()
        out = _contract("--spec", "openapi/mixpeek.yaml", "--base-url", mock.url, "--skip-schemathesis", "-rA",
                        "--report", str(tmp_path))
        assert out.returncode == 0, out.stdout[-6000:]
        _every_field_compared(tmp_path)
        ran = {line.split()[1].split("::")[0] for line in out.stdout.splitlines() if line.startswith("PASSED ")}
        assert {"contract_tests/packs/mixpeek/test_buckets.py", "contract_tests/gate/test_crud_walks.py"} <= ran, ran
        assert not any(name.startswith("contract_tests/packs/dakkio/") for name in ran), ran      # no Dakkio suite
        state = requests.get(mock.url + "/__mock/state", timeout=10).json()
        left = {ns: body["buckets"] for ns, body in state["namespaces"].items() if ns.startswith("ctr-") and body["buckets"]}
        assert not left, left
        for ns in ("netflix_prod", "default"):      # the gate's accepted creates are taken back too
            assert state["namespaces"][ns] == before["namespaces"][ns], ns
    finally:
        assert "does not conform" not in mock.stop()


def test_the_generic_gate_takes_back_what_its_rules_created():
    """Limits and types send valid values too: a create that accepts one is deleted again."""
    mock = LiveMock("--seed", "5")
    try:
        def buckets():
            r = requests.get(mock.url + "/api/buckets", headers={"X-API-Key": ADMIN}, params={"limit": 1000}, timeout=10)
            return [b["name"] for b in r.json()["buckets"]]
        before = buckets()
        out = _contract("--base-url", mock.url, "--admin-key", ADMIN, "--skip-schemathesis", "-m", "gate", "-rA")
        assert out.returncode == 0, out.stdout[-6000:]
        assert "PASSED contract_tests/gate/test_limits.py::test_limit[createBucket:body.name-maxLength 100: 100]" in out.stdout
        assert buckets() == before
    finally:
        mock.stop()


def test_a_spec_that_documents_no_4xx_can_leave_that_check_out():
    """Airflow's spec documents no 4xx for many invalid inputs: Schemathesis' status_code_conformance
    flags every refusal; ``--exclude-checks`` leaves it out, by name, and the rest still gate."""
    args = ["--spec", "tests/thirdparty/airflow_v1/v1.yaml", "--basic", "admin:secret", "-k", "schemathesis", "-rA"]
    strict = _contract(*args)
    assert strict.returncode == 1 and "Undocumented status code" in strict.stdout, strict.stdout[-3000:]
    lenient = _contract(*args, "--exclude-checks", "status_code_conformance")
    assert lenient.returncode == 0, lenient.stdout[-6000:]
    assert "Schemathesis checks left out (--exclude-checks): status_code_conformance" in lenient.stdout
