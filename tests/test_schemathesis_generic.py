"""Schemathesis, every phase, against third-party specs served with no profile (response validation
on in the mock): no 5xx, no response-schema, content-type or header violation, state that holds
(use_after_free, ensure_resource_availability).

Two checks are off, for reasons of the specs, not of the mock: ``ignored_auth`` (a spec without a
profile gets security *presence*, as Prism gives it: DESIGN decision 32) and
``status_code_conformance`` (these specs do not document the 4xx a server must answer to the
negative cases Schemathesis sends)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .livemock import LiveMock

THIRD = ROOT / "tests" / "thirdparty"
SPECS = [
    ("petstore-expanded", THIRD / "oai_petstore_expanded" / "petstore-expanded.yaml", "/v2", []),
    ("api-with-examples", THIRD / "oai_api_with_examples" / "api-with-examples.yaml", "", []),
    ("airflow", THIRD / "airflow_v1" / "v1.yaml", "/api/v1", ["-H", "Authorization: Basic dXNlcjpwYXNz"]),
]


@pytest.mark.parametrize("name,spec,base,auth", SPECS, ids=[s[0] for s in SPECS])
def test_schemathesis_finds_nothing_against_the_generic_mock(name, spec, base, auth):
    mock = LiveMock("--spec", str(spec), "--seed", "3", "--validate-responses")
    try:
        report = ROOT / "reports" / f"schemathesis-generic-{name}"
        report.mkdir(parents=True, exist_ok=True)
        exe = Path(sys.executable).with_name("schemathesis")
        cmd = [str(exe), "run", f"{mock.url}/openapi.json", "--url", mock.url + base, *auth,
               "--checks", "all", "--exclude-checks", "ignored_auth,status_code_conformance",
               "--phases", "examples,coverage,fuzzing,stateful", "-n", os.environ.get("DAKKIO_ST_EXAMPLES", "10"),
               "--seed", "20261202", "--report", "junit", "--report-dir", str(report), "--no-color"]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
        text = out.stdout + out.stderr
        (report / "output.txt").write_text(text)
        summary = text.split("SUMMARY")[-1]
        assert out.returncode == 0, text[-6000:]
        generated, passed = re.search(r"(\d+) generated, (\d+) passed", summary).groups()
        assert int(generated) == int(passed) > 0, summary
    finally:
        log = mock.stop()
    assert "does not conform" not in log and "Traceback" not in log, log[-3000:]
