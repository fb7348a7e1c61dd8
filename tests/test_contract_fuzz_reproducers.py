"""Reproducers of fuzz failures: IDs traced to captures, the cassette, the curl script, replay, minimising."""

import json
import shutil
import subprocess

import pytest

from contract_tests.fuzz import replay, report
from contract_tests.fuzz.steps import Step, link

from .conftest import ADMIN
from .inthread import serving

BUCKET, SOURCE, OTHER = "65a0000000000000000000aa", "65a0000000000000000000bb", "65a0000000000000000000cc"


def world_steps():
    return [Step("POST", "/api/buckets", {"Content-Type": "application/json"}, '{"name": "w-{{unique}}"}',
                 status=201, response=json.dumps({"bucket": {"_id": BUCKET, "organizationId": OTHER}}), role="setup"),
            Step("POST", f"/api/buckets/{BUCKET}/sources", {"Content-Type": "application/json"}, '{"schema": {}}',
                 status=201, response=json.dumps({"dataSource": {"_id": SOURCE}}), role="setup")]


def test_ids_from_earlier_responses_become_captured_placeholders():
    failing = Step("POST", "/api/data", {"Content-Type": "application/json"},
                   json.dumps({"bucketId": BUCKET, "dataSourceId": SOURCE, "values": {"t": 1}}), status=500,
                   role="failing")
    steps = link(world_steps() + [failing])
    assert [s.capture for s in steps] == [{"bucketId": "/bucket/_id"}, {"dataSourceId": "/dataSource/_id"}, {}]
    assert steps[1].path == "/api/buckets/{{bucketId}}/sources"
    assert json.loads(steps[2].body) == {"bucketId": "{{bucketId}}", "dataSourceId": "{{dataSourceId}}", "values": {"t": 1}}


def test_setup_nothing_needs_is_left_out():
    steps = link(world_steps() + [Step("GET", "/api/buckets?limit=622", status=500, role="failing")])
    assert [(s.method, s.path) for s in steps] == [("GET", "/api/buckets?limit=622")]
    only_bucket = link(world_steps() + [Step("GET", f"/api/buckets/{BUCKET}", status=500, role="failing")])
    assert [s.path for s in only_bucket] == ["/api/buckets", "/api/buckets/{{bucketId}}"]


def test_a_stateful_chain_keeps_its_links():
    created = Step("POST", "/api/buckets", {}, '{"name": "x"}', status=201,
                   response=json.dumps({"bucket": {"_id": OTHER}}))
    deleted = Step("DELETE", f"/api/buckets/{OTHER}", status=200, response="{}")
    again = Step("GET", f"/api/buckets/{OTHER}", status=200, role="failing")
    steps = link([created, deleted, again])
    assert [s.path for s in steps] == ["/api/buckets", "/api/buckets/{{bucketId}}", "/api/buckets/{{bucketId}}"]
    assert steps[0].capture == {"bucketId": "/bucket/_id"}


def write_reproducer(tmp_path, steps, expect):
    meta = {"operation": "POST /api/data", "check": expect["check"], "status": expect["status"], "title": "t"}
    report.write_cassette(tmp_path / "cassette.yaml", meta, steps, expect, ["X-API-Key"])
    script = report.curl_script(meta, steps, expect, ["X-API-Key"], "http://127.0.0.1:9", tmp_path)
    (tmp_path / "repro.sh").write_text(script)
    return tmp_path / "cassette.yaml", script


def test_cassette_round_trip_and_curl_script(tmp_path):
    failing = Step("POST", "/api/data", {"Content-Type": "application/json"},
                   json.dumps({"bucketId": BUCKET, "dataSourceId": SOURCE, "values": {"s": "it's \u20ac"}}),
                   status=500, response='{"error": "Internal Server Error"}', role="failing")
    steps = link(world_steps() + [failing])
    expect = {"check": "not_a_server_error", "status": 500, "code": "ST101"}
    path, script = write_reproducer(tmp_path, steps, expect)
    back = report.read_cassette(path)
    assert back["expect"] == expect and back["credentials"] == ["X-API-Key"]
    assert [s.to_dict() for s in back["steps"]] == [s.to_dict() for s in steps]
    assert "http_interactions" in path.read_text()
    assert 'bucketId=$(printf' in script and "'\"${bucketId}\"'" in script and "-w '\\nHTTP %{http_code}\\n'" in script
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(tmp_path / "repro.sh")], check=True)


@pytest.fixture(scope="module")
def mock_url():
    from mock_server.core.app import create_app

    with serving(create_app("dakkio", "default", seed=1)) as url:
        yield url


def test_replay_creates_what_the_failing_request_needs(mock_url, tmp_path):
    """Against the correct mock: the set-up runs, its IDs fill the last request; a 404 re-triggers, a 500 does not."""
    world = [Step("POST", "/api/buckets", {"Content-Type": "application/json"}, '{"name": "rp-{{unique}}"}',
                  capture={"bucketId": "/bucket/_id"}, role="setup"),
             Step("POST", "/api/buckets/{{bucketId}}/sources", {"Content-Type": "application/json"},
                  '{"name": "s", "schema": {}}', capture={"dataSourceId": "/dataSource/_id"}, role="setup")]
    missing = Step("POST", "/api/data", {"Content-Type": "application/json"},
                   '{"bucketId": "{{bucketId}}", "dataSourceId": "65a0000000000000000000ff", "values": {"t": 1}}',
                   role="failing")
    creds = {"X-API-Key": ADMIN}
    out = replay.run(world + [missing], {"check": "status_code_conformance", "status": 404}, mock_url, creds)
    assert out.triggered and out.status == 404 and out.requests == 3
    ok = Step(**{**missing.__dict__, "body": missing.body.replace('"65a0000000000000000000ff"', '"{{dataSourceId}}"')})
    out = replay.run(world + [ok], {"check": "not_a_server_error", "status": 500}, mock_url, creds)
    assert not out.triggered and out.status == 201
    path, _ = write_reproducer(tmp_path, world + [ok], {"check": "not_a_server_error", "status": 500})
    assert replay.main([str(path), "--base-url", mock_url]) == 0            # demo key found by itself
    broken = Step("POST", "/api/buckets/{{bucketId}}/sources", {}, "{}", capture={"x": "/nope"}, role="setup")
    with pytest.raises(replay.SetupError):
        replay.run(world[:1] + [broken, ok], {"check": "not_a_server_error", "status": 500}, mock_url, creds)


async def picky_app(scope, receive, send):
    """500 when the body's ``items`` hold 3+ entries and ``mode`` is 'x', or the query has ``boom``."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    doc = json.loads(body or b"{}")
    bad = (len(doc.get("items", [])) >= 3 and doc.get("mode") == "x") or b"boom" in scope["query_string"]
    await send({"type": "http.response.start", "status": 500 if bad else 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def test_minimise_keeps_only_what_the_crash_needs():
    with serving(picky_app) as url:
        big = {"items": list(range(20)), "mode": "x", "noise": {"a": [1, 2, {"b": "c" * 50}]}, "more": "y" * 30}
        harmless = {**big, "mode": "z"}
        step = Step("POST", "/p?a=1&boom=1&c=3", {"Content-Type": "application/json"}, json.dumps(harmless),
                    role="failing")
        (small,), spent = replay.minimise([step], {"check": "not_a_server_error", "status": 500}, url, {})
        assert small.path == "/p?boom=1"
        assert json.loads(small.body) == {}
        step = Step("POST", "/p", {}, json.dumps(big), role="failing")
        (small,), spent = replay.minimise([step], {"check": "not_a_server_error", "status": 500}, url, {})
        doc = json.loads(small.body)
        assert set(doc) == {"items", "mode"} and len(doc["items"]) == 3 and doc["mode"] == "x"
        assert 0 < spent <= 300


def _interaction(method, uri, body, status, response, ts):
    import base64

    enc = lambda b: {"$base64": base64.b64encode(b.encode()).decode()}  # noqa: E731
    return {"request": {"method": method, "uri": uri, "headers": {"X-API-Key": ["secret"], "User-Agent": ["st"],
                                                                   "Content-Type": ["application/json"]},
                        **({"body": enc(body)} if body else {})},
            "response": {"status_code": status, "headers": {}, "content": enc(response), "elapsed": 0.01},
            "timestamp": ts}


def test_failures_are_read_from_schemathesis_event_stream(tmp_path):
    """A stateful scenario as ``--report ndjson`` writes it: the failing case and its parent chain."""
    from contract_tests.fuzz.events import Stream, Tail

    created = json.dumps({"bucket": {"_id": OTHER}})
    event = {"ScenarioFinished": {"phase": "stateful", "status": "failure", "timestamp": 1010.0, "recorder": {
        "label": "Stateful tests",
        "cases": {"A": {"value": {"method": "POST", "path": "/api/buckets"}},
                  "B": {"value": {"method": "GET", "path": "/api/buckets/{id}"}, "parent_id": "A"}},
        "checks": {"A": [{"name": "not_a_server_error", "status": "success"}],
                   "B": [{"name": "response_schema_conformance", "status": "failure", "failure_info": {"failure": {
                       "operation": "GET /api/buckets/{id}", "title": "Response violates schema",
                       "message": "'x' is not of type 'integer'", "code": "ST103"}}},
                         {"name": "not_a_server_error", "status": "failure", "failure_info": {"failure": {
                             "operation": "GET /api/buckets/{id}", "title": "Server error", "message": "",
                             "code": "ST101"}}}]},
        "interactions": {"A": _interaction("POST", "http://h:1/api/buckets", '{"name": "n"}', 201, created, 1003.0),
                         "B": _interaction("GET", f"http://h:1/api/buckets/{OTHER}", None, 500, '{"error": "E"}', 1004.5)},
    }}}
    path = tmp_path / "events.ndjson"
    line = json.dumps(event).encode()
    path.write_bytes(b'{"Initialize": {}}\n' + line[:40])
    tail, stream = Tail(path), Stream("http://h:1", {"x-api-key"}, started=1000.0)
    assert [stream.feed(x) for x in tail.lines()] == [[]]                   # the half-written line waits
    with path.open("ab") as f:
        f.write(line[40:] + b"\n")
    (finding,) = [f for x in tail.lines() for f in stream.feed(x)]
    assert (finding.operation, finding.check, finding.status, finding.at) == ("GET /api/buckets/{id}",
                                                                              "not_a_server_error", 500, 4.5)
    assert finding.also == ["response_schema_conformance"] and finding.code == "ST101"
    assert [(s.method, s.path, s.role) for s in finding.steps] == [("POST", "/api/buckets", "case"),
                                                                  ("GET", f"/api/buckets/{OTHER}", "failing")]
    assert finding.steps[0].headers == {"Content-Type": "application/json"}   # no credentials, no transport noise
    assert stream.ops["GET /api/buckets/{id}"].statuses["5xx"] == 1 and stream.ops["POST /api/buckets"].cases == 1


def test_ids_from_outside_the_chain_are_retargeted_at_the_world():
    """An ID Schemathesis took from an unrelated earlier response cannot exist on a fresh deployment."""
    from contract_tests.fuzz.dakkio import World, retarget

    world = World({"bucketId": BUCKET, "dataSourceId": SOURCE},
                  {"path": {"id": [BUCKET], "bucketId": [BUCKET]}, "body": {"bucketId": [BUCKET], "dataSourceId": [SOURCE]}},
                  world_steps())
    created = Step("POST", "/api/buckets", {}, '{"name": "x"}', status=201, response=json.dumps({"bucket": {"_id": OTHER}}))
    stray = "65a0000000000000000000dd"
    failing = Step("POST", f"/api/buckets/{OTHER}/keys/{stray}", {}, json.dumps(
        {"bucketId": OTHER, "dataSourceId": stray, "nested": [{"dataSourceId": stray}], "name": stray}), role="failing")
    out = retarget([created, failing], world)
    assert out[1].path == f"/api/buckets/{OTHER}/keys/{stray}"            # made in the chain: kept; not a bucket: kept
    assert json.loads(out[1].body) == {"bucketId": OTHER, "dataSourceId": SOURCE, "nested": [{"dataSourceId": SOURCE}],
                                       "name": stray}
    assert failing.body != out[1].body                                    # the original is untouched
    alone = retarget([Step("GET", f"/api/buckets/{stray}/sources", role="failing")], world)
    assert alone[0].path == f"/api/buckets/{BUCKET}/sources"
    linked = link([*world_steps(), *alone])
    assert [s.path for s in linked] == ["/api/buckets", "/api/buckets/{{bucketId}}/sources"]
