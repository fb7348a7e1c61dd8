"""Schemathesis over every operation of the target's spec: all checks, all phases (stateful through
the spec's links), with the gate's credentials as the spec's schemes take them.

Per pack: Dakkio (``schemathesis.toml``, ``st_hooks``: bucket names get the run's prefix), Mixpeek
(``schemathesis-mixpeek.toml``, ``missing_required_header`` off: see that file; ``st_hooks_mixpeek``:
the fuzzer works in the run's own namespace, emptied afterwards), any other spec (no config, no hooks).
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
PHASES = "examples,coverage,fuzzing,stateful"
CONFIG = {"dakkio": "schemathesis.toml", "mixpeek": "schemathesis-mixpeek.toml"}
HOOKS = {"dakkio": "contract_tests.st_hooks", "mixpeek": "contract_tests.st_hooks_mixpeek"}
EXCLUDED = {"mixpeek": ["missing_required_header"]}     # and --exclude-checks


@pytest.mark.schemathesis
@pytest.mark.safe
@pytest.mark.contract(op="cross_cutting", title="Schemathesis: every operation, all checks, all phases", source="",
                      decision=None)
def test_schemathesis(target, prefix, request):
    from .conftest import PROFILES

    cfg = request.config
    pack = cfg.contract_pack
    profile = PROFILES[cfg.getoption("--profile")]
    out_dir = Path(cfg.getoption("dakkio_report") or tempfile.mkdtemp(prefix="dakkio-st-")) / "schemathesis"
    out_dir.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("schemathesis")
    config = ["--config-file", str(Path(__file__).with_name(CONFIG[pack]))] if pack in CONFIG else []
    url = target.base_url + _base_path(cfg.contract_spec)     # the path of the spec's server (e.g. /v2)
    excluded = sorted({*EXCLUDED.get(pack, []), *filter(None, cfg.getoption("--exclude-checks").split(","))})
    cmd = [str(exe), *config, "run", str(cfg.contract_spec), "--url", url, *_credentials(cfg, target),
           "--checks", "all", *(["--exclude-checks", ",".join(excluded)] if excluded else []),
           "-n", str(profile["examples"]),
           "--seed", os.environ.get("DAKKIO_SEED", "20261124"), "--report", "junit,har", "--report-dir", str(out_dir),
           "--no-color"]
    if cfg.getoption("--read-only"):
        # GETs only; no coverage phase (it probes unsupported methods) and no stateful phase (it creates).
        cmd += ["--include-method", "GET", "--phases", "examples,fuzzing"]
    else:
        cmd += ["--phases", PHASES]
    namespace = f"{prefix}st"
    env = dict(os.environ, DAKKIO_CONTRACT_PREFIX=prefix, MIXPEEK_CONTRACT_NAMESPACE=namespace,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    if pack in HOOKS:
        env["SCHEMATHESIS_HOOKS"] = HOOKS[pack]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    finally:
        if pack == "mixpeek" and not cfg.getoption("--read-only"):
            _empty_mixpeek_namespace(target, namespace)
    text = proc.stdout + proc.stderr
    (out_dir / "output.txt").write_text(text)
    summary = text.split("SUMMARY")[-1]
    if excluded:
        print(f"Schemathesis checks left out (--exclude-checks): {', '.join(excluded)}")
    assert proc.returncode == 0, "Schemathesis found deviations:\n" + _failures(text)
    assert re.search(r"\d+ generated", summary), summary


def _base_path(spec) -> str:
    from openapi_model.contract import Contract

    return Contract(spec).base_path


def _credentials(cfg, target) -> list[str]:
    """Schemathesis options carrying the credentials: Dakkio's admin key; otherwise what the gate was
    given (``--header``, ``--bearer``, ``--api-key``, ``--basic``), placed as the spec's schemes say
    (headers and cookies; an apiKey in the query string is not passed on)."""
    if cfg.contract_pack == "dakkio":
        return ["-H", f"X-API-Key: {target.admin_key}"]
    import yaml

    from .gate import credentials

    headers = dict(h.split(":", 1) for h in cfg.getoption("--header") or [])
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    given = credentials.Given(headers, cfg.getoption("--bearer") or target.bearer, cfg.getoption("--api-key"),
                              cfg.getoption("--basic"))
    doc = yaml.load(cfg.contract_spec.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    merged = dict(headers)
    cookies = {}
    for scheme in ((doc.get("components") or {}).get("securitySchemes") or {}).values():
        auth = credentials.for_scheme(scheme, given)
        if auth is not None:
            for name, value in auth.headers.items():
                merged.setdefault(name, value)
            cookies.update(auth.cookies)
    if cookies:
        merged.setdefault("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    return [arg for name, value in merged.items() for arg in ("-H", f"{name}: {value}")]


def _empty_mixpeek_namespace(target, namespace: str) -> None:
    """Delete every bucket of the namespace the fuzzer worked in (``st_hooks_mixpeek``)."""
    headers = {"Authorization": f"Bearer {target.bearer}", "X-Namespace": namespace}
    for _ in range(100):
        r = requests.get(target.base_url + "/v1/buckets", params={"limit": 1000}, headers=headers, timeout=30)
        results = r.json().get("results") if r.status_code == 200 else None
        if not results:
            return
        for bucket in results:
            requests.delete(f"{target.base_url}/v1/buckets/{bucket['bucket_id']}", headers=headers, timeout=30)


def _failures(text: str) -> str:
    body = text.split("FAILURES")[-1] if "FAILURES" in text else text
    return body[:12000]
