"""Schemathesis against the running mocks (Dakkio, Mixpeek): every check, every phase (stateful
included), response validation on in the mock, zero failures.

Bounded for CI by ``DAKKIO_ST_EXAMPLES`` (default 25 per operation); the run's JUnit report and
the full log land in ``reports/schemathesis-mock/``.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ADMIN, ROOT
from .livemock import LiveMock


@pytest.fixture(scope="module")
def mock():
    m = LiveMock("--seed", "21", "--validate-responses")
    yield m
    m.stop()


def test_schemathesis_all_checks_all_phases_find_nothing(mock):
    report = ROOT / "reports" / "schemathesis-mock"
    report.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("schemathesis")
    examples = os.environ.get("DAKKIO_ST_EXAMPLES", "25")
    cmd = [str(exe), "--config-file", str(ROOT / "contract_tests" / "schemathesis.toml"), "run", f"{mock.url}/openapi.json", "--url", mock.url, "-H", f"X-API-Key: {ADMIN}",
           "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "-n", examples, "--seed", "20261124",
           "--report", "junit", "--report-dir", str(report), "--no-color"]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="contract_tests.st_hooks", PYTHONPATH=str(ROOT))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    (report / "output.txt").write_text(out.stdout + out.stderr)
    text = out.stdout + out.stderr
    summary = text.split("SUMMARY")[-1]
    assert out.returncode == 0, text[-6000:]
    assert "Tested: 16" in summary, summary
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
    generated, passed = re.search(r"(\d+) generated, (\d+) passed", summary).groups()
    assert int(generated) == int(passed) > 16 * int(examples), summary
    # The mock never sent a response its own spec forbids (it runs with --validate-responses).
    assert "does not conform" not in mock.stop()


@pytest.fixture(scope="module")
def mixpeek_mock():
    m = LiveMock("--api", "mixpeek", "--seed", "21", "--validate-responses")
    yield m
    m.stop()


def test_schemathesis_against_the_mixpeek_mock_finds_nothing(mixpeek_mock):
    report = ROOT / "reports" / "schemathesis-mixpeek-mock"
    report.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("schemathesis")
    examples = os.environ.get("DAKKIO_ST_EXAMPLES", "25")
    url = mixpeek_mock.url
    cmd = [str(exe), "--config-file", str(ROOT / "contract_tests" / "schemathesis-mixpeek.toml"), "run",
           f"{url}/openapi.json", "--url", url, "-H", "Authorization: Bearer sk_demo0000000000000000000000000000",
           "--checks", "all", "--exclude-checks", "missing_required_header",   # see schemathesis-mixpeek.toml
           "--phases", "examples,coverage,fuzzing,stateful", "-n", examples, "--seed", "20261124",
           "--report", "junit", "--report-dir", str(report), "--no-color"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    text = out.stdout + out.stderr
    (report / "output.txt").write_text(text)
    summary = text.split("SUMMARY")[-1]
    assert out.returncode == 0, text[-6000:]
    assert "Tested: 7" in summary, summary
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
    generated, passed = re.search(r"(\d+) generated, (\d+) passed", summary).groups()
    assert int(generated) == int(passed) > 7 * int(examples), summary
    assert "does not conform" not in mixpeek_mock.stop()
