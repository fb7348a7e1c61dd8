"""Schemathesis over every operation: all checks, all phases (stateful through the spec's links)."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .contract import SPEC_PATH, case

ROOT = Path(__file__).resolve().parent.parent
PHASES = "examples,coverage,fuzzing,stateful"


@pytest.mark.schemathesis
@case("cross_cutting", "Schemathesis: every operation, all checks, all phases", safe=True)
def test_schemathesis(target, prefix, request):
    from .conftest import PROFILES

    cfg = request.config
    profile = PROFILES[cfg.getoption("--profile")]
    out_dir = Path(cfg.getoption("dakkio_report") or tempfile.mkdtemp(prefix="dakkio-st-")) / "schemathesis"
    out_dir.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("schemathesis")
    cmd = [str(exe), "--config-file", str(Path(__file__).with_name("schemathesis.toml")), "run", str(SPEC_PATH), "--url", target.base_url, "-H", f"X-API-Key: {target.admin_key}",
           "--checks", "all", "-n", str(profile["examples"]),
           "--seed", os.environ.get("DAKKIO_SEED", "20261124"), "--report", "junit,har", "--report-dir", str(out_dir),
           "--no-color"]
    if cfg.getoption("--read-only"):
        # GETs only; no coverage phase (it probes unsupported methods) and no stateful phase (it creates).
        cmd += ["--include-method", "GET", "--phases", "examples,fuzzing"]
    else:
        cmd += ["--phases", PHASES]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="contract_tests.st_hooks", DAKKIO_CONTRACT_PREFIX=prefix,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    text = proc.stdout + proc.stderr
    (out_dir / "output.txt").write_text(text)
    summary = text.split("SUMMARY")[-1]
    assert proc.returncode == 0, "Schemathesis found deviations:\n" + _failures(text)
    assert re.search(r"\d+ generated", summary), summary


def _failures(text: str) -> str:
    body = text.split("FAILURES")[-1] if "FAILURES" in text else text
    return body[:12000]
