"""Injected faults and latency (core/faults.py, core/middleware/faults.py, core/fault_routes.py).

The grammar and the rules as units; every kind over a real socket (uvicorn in a thread, so a
reset is a reset); the journal marks what was injected; nothing reaches the API for the faults
that come before it. Slow kinds use small delays; waits are deadlines, not sleeps.
"""

import http.client
import json
import random
import socket
import statistics
import time

import pytest
import requests
import yaml
from openapi_spec_validator import validate

from mock_server.core import cli, fault_routes, faults
from mock_server.core.app import create_app
from mock_server.core.control import CONTROL_SPEC
from mock_server.profiles.dakkio.control import control_routes

from .conftest import HOME, HOME_WRITE, TEMP_SOURCE
from .inthread import serving

W = {"X-API-Key": HOME_WRITE}
POINT = {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "values": {"temperature": 21.5}}


# ------------------------------------------------------------------ the grammar

@pytest.mark.parametrize("text,kind,status,delay", [
    ("503", "status", 503, None), ("status=429, retry-after=7", "status", 429, None), ("reset", "reset", None, None),
    ("empty", "empty", None, None), ("malformed", "malformed", None, None), ("hang", "hang", None, None),
    ("dribble=8/50ms", "dribble", None, None), ("delay=200ms", None, None, faults.Delay("fixed", 0.2)),
    ("delay=1.5s; 500", "status", 500, faults.Delay("fixed", 1.5)),
    ("delay=100-300ms", None, None, faults.Delay("uniform", 0.1, 0.3)),
    ("delay=1-2s", None, None, faults.Delay("uniform", 1.0, 2.0)),
    ("delay=lognormal:200ms:0.5", None, None, faults.Delay("lognormal", 0.2, 0.5)),
])
def test_the_fault_grammar(text, kind, status, delay):
    f, = faults.parse(text)
    assert (f.kind, f.status, f.delay, f.text) == (kind, status, delay, text)
    if text.startswith("status=429"):
        assert f.retry_after == 7
    if kind == "dribble":
        assert (f.chunk, f.every) == (8, 0.05)


@pytest.mark.parametrize("text", ["", "bogus", "status=200", "600", "status=abc", "dribble=0/1ms", "dribble=8",
                                  "delay=soon", "delay=500-100ms", "delay=lognormal:200ms", "retry-after=1.5",
                                  "delay=lognormal:1ms:-1", "reset=1"])
def test_the_grammar_refuses_what_it_does_not_know(text):
    with pytest.raises(faults.FaultSyntax):
        faults.parse(text)


def test_alternatives_and_the_fault_rate():
    assert [f.kind for f in faults.parse("503|reset|delay=5ms")] == ["status", "reset", None]
    p, fs = faults.parse_rate("0.05")
    assert p == 0.05 and [f.text for f in fs] == faults.DEFAULT_RATE_FAULT.split("|")
    assert faults.parse_rate("1:503")[1][0].status == 503
    for bad in ("2", "x", "0.5:bogus"):
        with pytest.raises(faults.FaultSyntax):
            faults.parse_rate(bad)


def test_delays_fixed_uniform_lognormal():
    rng = random.Random(1)
    assert faults.parse_delay("250ms").sample(rng) == 0.25
    uniform = [faults.parse_delay("100-300ms").sample(rng) for _ in range(2000)]
    assert 0.1 <= min(uniform) < 0.11 and 0.29 < max(uniform) <= 0.3
    logn = [faults.parse_delay("lognormal:200ms:0.5").sample(rng) for _ in range(4000)]
    assert abs(statistics.median(logn) - 0.2) < 0.01 and max(logn) > 0.5 > 0.1 > min(logn)
    assert faults.parse_delay("lognormal:1000s:3").sample(rng) <= faults.MAX_DELAY


def test_rules_match_fire_by_probability_with_a_seed_and_run_out():
    def pattern(seed):
        model = faults.FaultModel()
        model.add({"fault": "503", "operationId": "ingestData", "probability": 0.5, "seed": seed})
        return [model.pick("POST", "/api/data", "ingestData", None) is not None for _ in range(40)]
    assert pattern(7) == pattern(7) != pattern(8)
    assert 5 < sum(pattern(7)) < 35
    model = faults.FaultModel()
    rule = model.add({"fault": "reset", "method": "post", "path": "/api/data*", "times": 2})
    assert rule.method == "POST" and model.pick("GET", "/api/data", "x", None) is None
    assert model.pick("POST", "/api/buckets", "createBucket", None) is None
    assert [model.pick("POST", "/api/data/batch", None, None).by for _ in range(2)] == ["rule 1", "rule 1"]
    assert model.pick("POST", "/api/data", "ingestData", None) is None and not model.rules   # used up: removed
    model.add({"fault": "500"})                                   # no matcher: the contract's operations only
    assert model.pick("GET", "/nowhere", None, None) is None
    assert model.pick("GET", "/api/buckets", "listBuckets", "429").by == "header"   # the header beats rules


@pytest.mark.parametrize("body,message", [
    ([], "JSON object"), ({}, "give a fault"), ({"fault": "bogus"}, "unknown fault"),
    ({"fault": "503", "probability": 2}, "probability"), ({"fault": "503", "times": 0}, "times"),
    ({"fault": "503", "seed": "x"}, "seed"), ({"fault": "503", "colour": "red"}, "unknown field"),
    ({"fault": "503", "path": ""}, "path"), ({"fault": "503|reset", "delay": "1ms"}, "alternative"),
])
def test_invalid_rules_are_refused_with_a_reason(body, message):
    with pytest.raises(faults.FaultSyntax, match=message):
        faults.FaultModel().add(body)


def test_the_command_line_checks_its_fault_options():
    args = cli.build_parser().parse_args(["--latency", "lognormal:50ms:0.3", "--fault-rate", "0.1:503|reset",
                                          "--webhooks", "off"])
    assert (args.latency, args.fault_rate, args.webhooks) == ("lognormal:50ms:0.3", "0.1:503|reset", "off")
    assert cli.build_parser().parse_args([]).webhooks == "local"
    for bad in (["--latency", "soon"], ["--fault-rate", "1.5"], ["--webhooks", "maybe"]):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args(bad)


def test_control_yaml_documents_the_fault_and_webhook_routes():
    doc = yaml.safe_load(CONTROL_SPEC.read_text())
    validate(doc)
    app = create_app("dakkio", seed=1)
    for route in [*fault_routes.routes(app.mock), *control_routes(app.mock)]:
        assert route.path in doc["paths"], route.path
        assert {m.lower() for m in route.methods} - {"head"} <= set(doc["paths"][route.path]), route.path


# ------------------------------------------------------------------ over a real socket

@pytest.fixture(scope="module")
def live():
    app = create_app("dakkio", seed=1)
    with serving(app) as url:
        yield app, url


@pytest.fixture(autouse=True)
def _no_rules(request):
    if "live" in request.fixturenames:
        request.getfixturevalue("live")[0].mock.faults.clear()


def _points(app) -> int:
    return app.mock.state.sources[TEMP_SOURCE].series.n


def _journal(url, n=1):
    return requests.get(f"{url}/__mock/journal?limit={n}", timeout=5).json()["entries"]


@pytest.mark.parametrize("status,body", [
    (503, {"error": "Service Unavailable", "message": "Service temporarily unavailable"}),          # the envelope
    (429, {"error": "Too Many Requests", "message": "Rate limit exceeded. Resets at 2024-01-15T10:30:00Z"}),  # docs
    (500, {"error": "Internal Server Error", "message": "An unexpected error occurred"}),            # the example
])
def test_an_error_status_answers_the_documented_body_and_stores_nothing(live, status, body):
    app, url = live
    before = _points(app)
    r = requests.post(f"{url}/api/data", json=POINT, headers={**W, "X-Mock-Fault": str(status)}, timeout=5)
    assert (r.status_code, r.json()) == (status, body)
    assert r.headers.get("Retry-After") == ("1" if status in (429, 503) else None)
    assert r.headers["X-RateLimit-Limit"].isdigit()        # the profile's headers, like any response
    assert _points(app) == before
    entry, = _journal(url)
    assert entry["injected"] == {"fault": str(status), "kind": "status", "delayMs": 0.0, "by": "header",
                                 "operationId": "ingestData"}
    assert (entry["status"], entry["error"]) == (status, body)


def test_retry_after_can_be_set(live):
    _, url = live
    r = requests.get(f"{url}/api/buckets", headers={"X-API-Key": HOME_WRITE, "X-Mock-Fault": "503, retry-after=30"},
                     timeout=5)
    assert (r.status_code, r.headers["Retry-After"]) == (503, "30")


def test_reset_and_empty_drop_the_connection_before_the_api(live):
    app, url = live
    before = _points(app)
    with pytest.raises(requests.ConnectionError) as reset:
        requests.post(f"{url}/api/data", json=POINT, headers={**W, "X-Mock-Fault": "reset"}, timeout=5)
    assert isinstance(reset.value.args[0].args[1], ConnectionResetError)
    with pytest.raises(requests.ConnectionError) as empty:
        requests.post(f"{url}/api/data", json=POINT, headers={**W, "X-Mock-Fault": "empty"}, timeout=5)
    assert isinstance(empty.value.args[0].args[1], http.client.RemoteDisconnected)
    assert _points(app) == before
    assert [(e["status"], e["injected"]["kind"]) for e in _journal(url, 2)] == [(0, "reset"), (0, "empty")]
    assert requests.get(f"{url}/api/buckets", headers=W, timeout=5).status_code == 403   # the server lives on


def test_malformed_processes_then_cuts_the_body(live):
    app, url = live
    before = _points(app)
    r = requests.post(f"{url}/api/data", json=POINT, headers={**W, "X-Mock-Fault": "malformed"}, timeout=5)
    assert r.status_code == 201 and r.headers["Content-Length"] == str(len(r.content))
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    assert r.content.startswith(b'{"message":') and _points(app) == before + 1


def test_dribble_sends_the_body_in_slow_chunks(live):
    _, url = live
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=5) as s:
        s.sendall(f"GET /api/buckets/{HOME}/alerts HTTP/1.1\r\nHost: x\r\nX-API-Key: {HOME_WRITE}\r\n"
                  "X-Mock-Fault: dribble=32/30ms\r\nConnection: close\r\n\r\n".encode())
        reads, started, data = [], time.monotonic(), b""
        while chunk := s.recv(65536):
            reads.append(time.monotonic() - started)
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    assert b" 200 " in head.split(b"\r\n")[0] and json.loads(body)["alertRules"]
    pieces = -(-len(body) // 32)
    assert pieces >= 3 and len(reads) >= 3 and reads[-1] >= (pieces - 1) * 0.03


def test_hang_answers_nothing_until_the_client_gives_up(live):
    app, url = live
    before = _points(app)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{url}/api/data", json=POINT, headers={**W, "X-Mock-Fault": "hang"}, timeout=0.3)
    assert time.monotonic() - started >= 0.3 and _points(app) == before
    entry = _until(lambda: [e for e in _journal(url, 5) if (e.get("injected") or {}).get("kind") == "hang"])[0]
    assert entry["status"] == 0 and entry["durationMs"] >= 300


def _until(fn, deadline=10.0):
    end = time.monotonic() + deadline
    while not (value := fn()) and time.monotonic() < end:
        time.sleep(0.01)
    return value


def test_a_delay_then_the_real_answer(live):
    _, url = live
    started = time.monotonic()
    r = requests.get(f"{url}/api/buckets/{HOME}/alerts", headers={**W, "X-Mock-Fault": "delay=150ms"}, timeout=5)
    assert r.status_code == 200 and time.monotonic() - started >= 0.15
    assert _journal(url)[0]["injected"]["delayMs"] == 150.0


def test_control_rules_next_n_requests_and_never_the_control_api(live):
    _, url = live
    r = requests.post(f"{url}/__mock/faults", json={"fault": "503", "operationId": "ingestData", "times": 2}, timeout=5)
    assert r.status_code == 201 and r.json()["times"] == 2
    rule_id = r.json()["id"]
    assert requests.get(f"{url}/__mock/faults", timeout=5).json()["rules"][0]["id"] == rule_id
    statuses = [requests.post(f"{url}/api/data", json=POINT, headers=W, timeout=5).status_code for _ in range(3)]
    assert statuses == [503, 503, 201]
    assert [e["injected"]["by"] for e in _journal(url, 3)[:2]] == [f"rule {rule_id}"] * 2
    assert requests.get(f"{url}/__mock/faults", timeout=5).json()["rules"] == []
    requests.post(f"{url}/__mock/faults", json={"fault": "reset", "path": "/*"}, timeout=5)
    assert requests.get(f"{url}/__mock/health", timeout=5).status_code == 200
    assert requests.post(f"{url}/__mock/faults", json={"fault": "nope"}, timeout=5).status_code == 400
    assert requests.delete(f"{url}/__mock/faults/999", timeout=5).status_code == 404
    assert requests.delete(f"{url}/__mock/faults", timeout=5).status_code == 200
    assert requests.get(f"{url}/__mock/faults", timeout=5).json()["rules"] == []


def test_a_bad_header_is_a_400_in_the_apis_envelope(live):
    _, url = live
    r = requests.get(f"{url}/api/buckets", headers={**W, "X-Mock-Fault": "sometimes"}, timeout=5)
    assert r.status_code == 400 and r.json()["error"] == "Validation Error"
    assert r.json()["message"].startswith("X-Mock-Fault: unknown fault 'sometimes'")


def test_command_line_defaults_apply_to_the_contracts_operations():
    app = create_app("dakkio", seed=1, latency="20ms", fault_rate="1:503")
    with serving(app) as url:
        started = time.monotonic()
        assert requests.get(f"{url}/api/buckets", headers=W, timeout=5).status_code == 503
        assert time.monotonic() - started >= 0.02
        assert requests.get(f"{url}/__mock/health", timeout=5).status_code == 200
        assert requests.get(f"{url}/openapi.json", timeout=5).status_code == 200
        assert requests.get(f"{url}/__mock/faults", timeout=5).json()["defaults"] == {
            "latency": "20ms", "faultRate": 1.0, "fault": "503"}
        entry, = [e for e in _journal(url, 10) if e["path"] == "/api/buckets"]
        assert entry["injected"]["by"] == "command line" and entry["injected"]["delayMs"] == 20.0
    quiet = create_app("dakkio", seed=1, fault_rate="0")
    with serving(quiet) as url:
        assert all(requests.get(f"{url}/api/buckets", headers=W, timeout=5).status_code == 403 for _ in range(5))


def test_in_process_the_connection_faults_raise_what_a_client_would():
    """No socket under the test client: a reset or an empty answer is a ConnectionResetError, a hang
    a TimeoutError (never a wait for a timeout that cannot come)."""
    from starlette.testclient import TestClient

    client = TestClient(create_app("dakkio", seed=1))
    for fault, error in (("reset", ConnectionResetError), ("empty", ConnectionResetError), ("hang", TimeoutError)):
        with pytest.raises(error):
            client.get("/api/buckets", headers={**W, "X-Mock-Fault": fault})
    assert [e["injected"]["kind"] for e in client.get("/__mock/journal?limit=3").json()["entries"]] == [
        "reset", "empty", "hang"]
