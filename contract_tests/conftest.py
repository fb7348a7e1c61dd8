"""The suite's plugin: target and credentials, the run's own resources, markers, lenient mode, report."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from . import report
from .client import Api, Recorder
from .specs import spec_file

HERE = Path(__file__).resolve().parent

DEMO_ADMIN_KEY = "dakkio_a_demoadmin0000000000000000000000000000000"
RESOURCES = ("buckets", "api_keys", "data_sources", "data", "alerts", "analytics", "cross_cutting")
PROFILES = {"quick": {"examples": 10, "steps": 6}, "thorough": {"examples": 150, "steps": 15}}


def pytest_addoption(parser):
    g = parser.getgroup("dakkio", "Dakkio contract suite")
    g.addoption("--base-url", default=os.environ.get("DAKKIO_BASE_URL"),
                help="target deployment (env DAKKIO_BASE_URL); default: start the mock on a free port")
    g.addoption("--admin-key", default=os.environ.get("DAKKIO_ADMIN_KEY"), help="admin API key (env DAKKIO_ADMIN_KEY)")
    g.addoption("--profile", default=os.environ.get("DAKKIO_PROFILE", "quick"), choices=sorted(PROFILES))
    g.addoption("--read-only", action="store_true", help="send only safe requests (no writes at all)")
    g.addoption("--lenient", action="store_true", help="report failed DESIGN.md assumptions as warnings")
    g.addoption("--report", dest="dakkio_report", default=None, help="directory for the conformance report")
    g.addoption("--skip-schemathesis", action="store_true", help="hand-written suites only")
    g.addoption("--clock-tolerance", type=float, default=300.0, help="seconds allowed between server and local clocks")
    g.addoption("--spec", dest="contract_spec_path", default=os.environ.get("CONTRACT_SPEC"),
                help="the target's OpenAPI document (default: Dakkio's)")
    g.addoption("--pack", default="auto", choices=["auto", *PACKS, "none"],
                help="semantic suites to add to the generic gate (auto: by the spec or the mock's health)")
    g.addoption("--exclude-checks", default=os.environ.get("CONTRACT_EXCLUDE_CHECKS", ""), metavar="CHECK,...",
                help="Schemathesis checks to leave out (e.g. status_code_conformance for a spec that documents "
                "no 4xx for invalid input); the report names them")
    g.addoption("--header", action="append", default=[], help="'Name: value' sent as a credential (repeatable)")
    g.addoption("--bearer", default=None, help="a token for HTTP bearer / OAuth2 / OpenID Connect schemes")
    g.addoption("--api-key", default=None, help="a key for the spec's apiKey scheme (header, query or cookie)")
    g.addoption("--basic", default=None, help="user:password for HTTP basic schemes")
    g.addoption("--webhook-host", default=os.environ.get("DAKKIO_WEBHOOK_HOST"), metavar="HOST[:PORT]",
                help="an address of this machine the target can reach: alert webhooks are received there "
                "(env DAKKIO_WEBHOOK_HOST; default 127.0.0.1 for a local mock, else the webhook test skips)")


PACKS = {"dakkio": "dakkio.yaml", "mixpeek": "mixpeek.yaml"}
MIXPEEK_DEMO_KEY = "sk_demo0000000000000000000000000000"


def _yaml(path: Path) -> dict:
    """A spec read once per run with libyaml (the pure-Python loader costs ~0.1 s a spec, every run)."""
    key = str(path)
    if key not in _YAML:
        _YAML[key] = yaml.load(Path(path).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    return _YAML[key]


_YAML: dict = {}


def resolve_spec(path: str | None) -> Path:
    return Path(path).resolve() if path else spec_file("dakkio.yaml")


def detect_pack(config) -> str:
    """The pack to run: asked for, or the one whose spec the target's spec is (by its title)."""
    asked = config.getoption("--pack")
    if asked != "auto":
        return asked
    title = (_yaml(config.contract_spec).get("info") or {}).get("title")
    for pack, name in PACKS.items():
        if (_yaml(spec_file(name)).get("info") or {}).get("title") == title:
            return pack
    return "none"


def pytest_ignore_collect(collection_path, config):
    """The gate (``gate/``) and Schemathesis always run; a pack's suites (``packs/<name>/``) only when
    that pack is selected."""
    pack = getattr(config, "contract_pack", "dakkio")
    path = Path(collection_path)
    if path.parent == HERE / "packs" and path.is_dir():   # packs/<name>/: collected only for its pack
        return path.name != pack
    return None


def pytest_configure(config):
    config.contract_spec = resolve_spec(config.getoption("contract_spec_path"))
    config.contract_pack = detect_pack(config)
    for name, text in [("contract(op, title, source, decision)", "one case of one operation"),
                       ("documented", "checks what the Dakkio docs state"),
                       ("assumption", "checks a DESIGN.md decision (see --lenient)"),
                       ("safe", "sends only reads; kept by --read-only"),
                       ("mock_only", "needs the mock's control API; skipped elsewhere"),
                       ("schemathesis", "property-based run of Schemathesis"),
                       ("gate", "a generic check derived from the spec alone")] + [(r, f"resource: {r}") for r in RESOURCES]:
        config.addinivalue_line("markers", f"{name}: {text}")
    config.dakkio_results = []


def pytest_collection_modifyitems(config, items):
    if config.getoption("--read-only"):
        kept = [i for i in items if i.get_closest_marker("safe")]
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
    if config.getoption("--skip-schemathesis"):
        dropped = [i for i in items if i.get_closest_marker("schemathesis")]
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


# ------------------------------------------------------------------ target

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Target:
    base_url: str
    admin_key: str | None
    is_mock: bool
    process: subprocess.Popen | None = None
    bearer: str | None = None


@pytest.fixture(scope="session")
def target(request):
    cfg = request.config
    base_url, admin_key, proc = cfg.getoption("--base-url"), cfg.getoption("--admin-key"), None
    pack, bearer = cfg.contract_pack, cfg.getoption("--bearer")
    if not base_url:
        port = _free_port()
        exe = Path(sys.executable).with_name("dakkio-mock")
        cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "mock_server"]),
               "--port", str(port), "--seed", "1", "--validate-responses", "--log-level", "warning"]
        if pack == "mixpeek":
            cmd += ["--api", "mixpeek"]
            bearer = bearer or MIXPEEK_DEMO_KEY
        elif pack != "dakkio":
            bearer = bearer or f"gate-{uuid.uuid4().hex}"
            cmd += ["--spec", str(cfg.contract_spec), "--accept-credential", bearer]
            for value in (cfg.getoption("--api-key"), cfg.getoption("--basic")):
                if value:
                    cmd += ["--accept-credential", value]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base_url = f"http://127.0.0.1:{port}"
        admin_key = admin_key or (DEMO_ADMIN_KEY if pack == "dakkio" else None)
        _wait_up(base_url, proc)
    if not admin_key and pack == "dakkio":
        pytest.exit("--admin-key (or DAKKIO_ADMIN_KEY) is required with --base-url", returncode=4)
    is_mock = False
    try:
        is_mock = requests.get(base_url.rstrip("/") + "/__mock/health", timeout=10).json().get("service") == "dakkio-mock"
    except (requests.RequestException, ValueError):
        pass
    if pack == "mixpeek" and not bearer:      # a Mixpeek key: --bearer, or the demo key of a dakkio-mock
        if not is_mock:
            pytest.exit("--bearer (a Mixpeek API key) is required with --base-url", returncode=4)
        bearer = MIXPEEK_DEMO_KEY
    t = Target(base_url.rstrip("/"), admin_key, is_mock, proc)
    t.bearer = bearer
    cfg.dakkio_target = t
    yield t
    if proc:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if err and "does not conform" in err:
            cfg.dakkio_mock_nonconforming = err


def _wait_up(base_url, proc):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.exit(f"the mock did not start: {proc.stderr.read()}", returncode=4)
        try:
            requests.get(base_url + "/__mock/health", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.05)
    pytest.exit("the mock did not start within 30 s", returncode=4)


@pytest.fixture(scope="session")
def recorder():
    return Recorder()


@pytest.fixture(scope="session")
def api(target, recorder):
    return Api(target.base_url, target.admin_key, recorder)


@pytest.fixture(autouse=True)
def _fresh_recording(request, recorder):
    recorder.clear()
    if request.node.get_closest_marker("mock_only") and not request.getfixturevalue("target").is_mock:
        pytest.skip("needs the mock's controls (target is not dakkio-mock)")
    yield


@pytest.fixture(scope="session")
def run_id():
    return os.environ.get("DAKKIO_RUN_ID") or uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def prefix(run_id):
    return f"ctr-{run_id}-"


# ------------------------------------------------------------------ lenient mode and the report

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "call" and not (rep.when == "setup" and rep.outcome != "passed"):
        return
    mark = item.get_closest_marker("contract")
    status = rep.outcome
    if rep.failed and mark and mark.kwargs.get("decision") and item.config.getoption("--lenient"):
        rep.outcome, status = "passed", "warn"
        item.config.dakkio_lenient = getattr(item.config, "dakkio_lenient", 0) + 1
    if rep.skipped and rep.when == "setup":
        status = "skipped"
    exchanges = []
    if rep.failed or status == "warn":
        rec = item.funcargs.get("recorder") or getattr(item.config, "_dakkio_recorder", None)
        try:
            rec = rec or item._request.getfixturevalue("recorder")
        except Exception:  # noqa: BLE001 - the report must never break the run
            rec = None
        exchanges = [e.render() for e in (rec.exchanges[-3:] if rec else [])]
    gate_op, gate_title = _gate_case(item)
    item.config.dakkio_results.append(report.Result(
        nodeid=item.nodeid,
        op=mark.kwargs["op"] if mark else gate_op or item.name,
        title=mark.kwargs["title"] if mark else gate_title or item.name,
        source=mark.kwargs["source"] if mark else "",
        decision=mark.kwargs.get("decision") if mark else None,
        status=status,
        message=str(rep.longrepr)[-3000:] if (rep.failed or status == "warn") else "",
        exchanges=exchanges,
    ))


def _gate_case(item) -> tuple[str | None, str | None]:
    """(operationId, case title) of a gate test, from its spec-derived parameter."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    for name, value in params.items():
        if not isinstance(value, (tuple, str)):     # an empty parameter set (pytest's NOTSET): a skip
            continue
        if name == "secured_case":
            return value[0], f"credentials: {value[1]}"
        if name in ("confusion_case", "limit_case"):
            return value[0].op_id, f"{name.split('_')[0]}: {value[0].where}.{'.'.join(map(str, value[0].path))} {value[1]}"
        if name == "resource_case":
            return value, "CRUD walk"
    return None, None


def pytest_terminal_summary(terminalreporter, config):
    results = getattr(config, "dakkio_results", [])
    if not results:
        return
    terminalreporter.write_line(report.summary_line(results, _title(config)))
    terminalreporter.write_line(report.score_line(results))
    values_line = _values(config)
    if values_line:
        terminalreporter.write_line(values_line)
    if getattr(config, "dakkio_lenient", 0):
        terminalreporter.write_line(f"--lenient: {config.dakkio_lenient} assumption check(s) failed and were reported as warnings")
    out = config.getoption("dakkio_report")
    if out:
        path = report.write(Path(out), results, getattr(config, "dakkio_target", None), _report_operations(config),
                            title=_title(config), pack=config.contract_pack, values=values_line)
        if values_line:
            (Path(out) / "values.json").write_text(json.dumps(config.contract_values, indent=1, sort_keys=True))
        terminalreporter.write_line(f"conformance report: {path}")


def _values(config) -> str | None:
    """The rule *values* over the pack's spec (a pack states expected bodies; the generic gate alone
    does not): documented 2xx fields compared by value in this run, and those no case compared."""
    if config.contract_pack == "none":
        return None
    from . import values
    from .gate.fields import response_fields
    from .gate.spec import GateSpec

    spec = GateSpec(config.contract_spec)
    documented = sum(len(paths) for op in spec.operations() for paths in response_fields(spec, op).values())
    missing = values.coverage(spec)
    config.contract_values = {"documented": documented, "missing": missing}
    return report.values_line(documented, missing)


def _title(config) -> str:
    return (_yaml(config.contract_spec).get("info") or {}).get("title") or config.contract_spec.name


def _report_operations(config) -> dict:
    out = {}
    doc = _yaml(config.contract_spec)
    for path, item in (doc.get("paths") or {}).items():
        for method, op in (item or {}).items():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = {"method": method.upper(), "path": path, **op}
    return out
