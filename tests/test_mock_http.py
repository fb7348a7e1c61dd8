"""The mock through Connexion's stack (Starlette test client), response validation on.

Each documented error of each operation, and every framework-level bad input.
"""

import json

import pytest
from starlette.testclient import TestClient

from mock_server import create_app

from .conftest import (
    ADMIN,
    HOME,
    HOME_READ,
    HOME_WRITE,
    OFFICE,
    OFFICE_SOURCE,
    OFFICE_WRITE,
    PRESSURE_SOURCE,
    TEMP_SOURCE,
)

MISSING = "aaaaaaaaaaaaaaaaaaaaaaaa"


@pytest.fixture
def app():
    return create_app(seed=5, validate_responses=True)


@pytest.fixture
def client(app):
    return TestClient(app, raise_server_exceptions=False)


def h(key):
    return {"X-API-Key": key}


def assert_error(r, status, message=None, details=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) <= {"error", "message", "details"}
    assert body["error"] == ("Validation Error" if status == 400 else body["error"])
    if message is not None:
        assert body["message"] == message
    if details is not None:
        assert body.get("details") == details
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert r.headers[name].isdigit()
    return body


# ---------------------------------------------------------------- auth matrix

CASES = [
    ("GET", "/api/buckets", None, {"admin"}),
    ("POST", "/api/buckets", {"name": "n"}, {"admin"}),
    ("GET", f"/api/buckets/{HOME}", None, {"admin"}),
    ("GET", f"/api/buckets/{HOME}/keys", None, {"admin"}),
    ("POST", f"/api/buckets/{HOME}/keys", {"name": "k", "type": "read"}, {"admin"}),
    ("GET", f"/api/buckets/{HOME}/sources", None, {"admin", "write", "read"}),
    ("POST", f"/api/buckets/{HOME}/sources", {"name": "s", "schema": {}}, {"admin", "write"}),
    ("POST", "/api/data", {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "values": {"temperature": 1}},
     {"admin", "write"}),
    ("POST", "/api/data/batch", {"bucketId": HOME, "dataPoints": [{"dataSourceId": TEMP_SOURCE, "values": {"x": 1}}]},
     {"admin", "write"}),
    ("POST", "/api/data/query", {"bucketId": HOME}, {"admin", "write", "read"}),
    ("POST", "/api/alerts", {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "name": "a", "condition": "x > 1",
                             "webhookUrl": "https://h.test/x"}, {"admin", "write"}),
    ("GET", f"/api/buckets/{HOME}/alerts", None, {"admin", "write", "read"}),
    ("GET", f"/api/analytics/buckets/{HOME}", None, {"admin", "write", "read"}),
    ("GET", "/api/analytics/overview", None, {"admin"}),
]
KEYS = {"admin": ADMIN, "write": HOME_WRITE, "read": HOME_READ}


@pytest.mark.parametrize("method,path,body,allowed", CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_key_matrix(app, client, method, path, body, allowed):
    spec_op = app.mock.contract.match_path(path).operations[method]
    for kind, key in KEYS.items():
        r = client.request(method, path, headers=h(key), json=body)
        if kind in allowed:
            assert r.status_code in (200, 201), (kind, r.text)
        else:
            assert_error(r, 403, spec_op.extensions["x-dakkio-key-type-message"])
    assert_error(client.request(method, path, json=body), 401, "Invalid or missing API key")
    assert_error(client.request(method, path, headers=h("dakkio_w_garbage"), json=body), 401,
                 "Invalid or missing API key")


def test_scoped_key_on_another_bucket_is_403_even_for_missing_buckets(client):
    for path in (f"/api/buckets/{OFFICE}/sources", f"/api/buckets/{MISSING}/alerts",
                 f"/api/analytics/buckets/{OFFICE}"):
        assert_error(client.get(path, headers=h(HOME_READ)), 403, "API key does not have access to this bucket")
    r = client.post("/api/data", headers=h(HOME_WRITE),
                    json={"bucketId": OFFICE, "dataSourceId": OFFICE_SOURCE, "values": {"co2": 1}})
    assert_error(r, 403, "API key does not have access to this bucket")
    r = client.post("/api/data/query", headers=h(OFFICE_WRITE), json={"bucketId": HOME})
    assert_error(r, 403, "API key does not have access to this bucket")


def test_check_order_401_then_403_then_400(client):
    bad_body = {"name": ""}
    assert_error(client.post("/api/buckets", json=bad_body), 401)
    assert_error(client.post("/api/buckets", headers=h(HOME_WRITE), json=bad_body), 403)
    assert_error(client.post("/api/buckets", headers=h(ADMIN), json=bad_body), 400)
    assert_error(client.get("/api/buckets/zz", headers=h(HOME_WRITE)), 403)   # key type before malformed ID


# ---------------------------------------------------------------- buckets

def test_bucket_lifecycle_and_pagination(client):
    created = client.post("/api/buckets", headers=h(ADMIN), json={"name": "New", "description": None})
    assert created.status_code == 201
    b = created.json()["bucket"]
    assert created.json()["message"] == "Bucket created successfully"
    assert b["description"] is None and b["organizationId"] == "507f1f77bcf86cd799439000" and "stats" not in b
    got = client.get(f"/api/buckets/{b['_id']}", headers=h(ADMIN)).json()["bucket"]
    assert got["stats"] == {"dataSourceCount": 0, "dataPointCount": 0, "apiKeyCount": 0}
    page = client.get("/api/buckets?limit=2&offset=1", headers=h(ADMIN)).json()
    assert page["pagination"] == {"limit": 2, "offset": 1, "total": 3, "hasMore": False}
    assert [x["name"] for x in page["buckets"]] == ["Office Monitoring", "New"]
    assert "organizationId" not in page["buckets"][0]
    first = client.get("/api/buckets?limit=1", headers=h(ADMIN)).json()["pagination"]
    assert first == {"limit": 1, "offset": 0, "total": 3, "hasMore": True}
    assert_error(client.post("/api/buckets", headers=h(ADMIN), json={"name": "New"}), 409,
                 "A bucket with this name already exists")


@pytest.mark.parametrize("name,status", [("", 400), ("a", 201), ("x" * 100, 201), ("x" * 101, 400)])
def test_bucket_name_boundaries(client, name, status):
    r = client.post("/api/buckets", headers=h(ADMIN), json={"name": name})
    assert r.status_code == status
    if name == "":
        assert_error(r, 400, "Invalid request parameters",
                     [{"path": ["body", "name"], "message": "String must contain at least 1 character(s)"}])
    if len(name) == 101:
        assert_error(r, 400, "Bucket name must be 100 characters or less", None)


def test_bucket_body_type_errors(client):
    r = client.post("/api/buckets", headers=h(ADMIN), json={"description": 5})
    assert_error(r, 400, "Invalid request parameters", [
        {"path": ["body", "description"], "message": "Expected string, received number"},
        {"path": ["body", "name"], "message": "Expected string, received undefined"},
    ])
    r = client.post("/api/buckets", headers=h(ADMIN), json={"name": "ok", "unknown": [1, 2]})
    assert r.status_code == 201                          # unknown fields ignored (decision 12)


@pytest.mark.parametrize("query,path,msg", [
    ("limit=0", "limit", "Number must be greater than or equal to 1"),
    ("limit=1001", "limit", "Number must be less than or equal to 1000"),
    ("limit=1.5", "limit", "Expected integer, received string"),
    ("limit=%2B1", "limit", "Expected integer, received string"),
    ("offset=-1", "offset", "Number must be greater than or equal to 0"),
    ("limit=1&limit=2", "limit", "Expected a single value, received 2"),
])
def test_list_query_validation(client, query, path, msg):
    assert_error(client.get(f"/api/buckets?{query}", headers=h(ADMIN)), 400, "Invalid request parameters",
                 [{"path": ["query", path], "message": msg}])


def test_limit_boundaries_and_unknown_query_ignored(client):
    assert client.get("/api/buckets?limit=1", headers=h(ADMIN)).status_code == 200
    assert client.get("/api/buckets?limit=1000&whatever=1", headers=h(ADMIN)).json()["pagination"]["limit"] == 1000


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_bucket_id_errors(client, method):
    assert_error(client.request(method, "/api/buckets/123", headers=h(ADMIN)), 400, "Invalid bucket ID format", None)
    assert_error(client.request(method, f"/api/buckets/{MISSING}", headers=h(ADMIN)), 404, "Bucket not found")


def test_delete_bucket_counts_and_cascade(client):
    r = client.delete(f"/api/buckets/{HOME}", headers=h(ADMIN))
    body = r.json()
    assert body["deletedBucket"] == {"_id": HOME, "name": "Home Sensors"}
    assert body["deletedResources"]["dataSources"] == 2 and body["deletedResources"]["apiKeys"] == 2
    assert body["deletedResources"]["alertRules"] == 2 and body["deletedResources"]["dataPoints"] > 0
    assert_error(client.get(f"/api/buckets/{HOME}/sources", headers=h(HOME_READ)), 401)
    assert_error(client.get(f"/api/buckets/{HOME}", headers=h(ADMIN)), 404)


def test_hex_ids_are_case_insensitive(client):
    assert client.get(f"/api/buckets/{HOME.upper()}", headers=h(ADMIN)).status_code == 200


# ---------------------------------------------------------------- keys

def test_key_lifecycle(client):
    r = client.post(f"/api/buckets/{HOME}/keys", headers=h(ADMIN), json={"name": "Dev", "type": "write"})
    assert r.status_code == 201
    k = r.json()["apiKey"]
    assert r.json()["message"] == "API key created successfully"
    assert k["key"].startswith("dakkio_w_") and k["keyPrefix"] == k["key"][:13] + "..." and k["bucketId"] == HOME
    listed = {x["_id"]: x for x in client.get(f"/api/buckets/{HOME}/keys", headers=h(ADMIN)).json()["apiKeys"]}
    assert "key" not in listed[k["_id"]] and listed[k["_id"]]["lastUsedAt"] is None
    assert client.get(f"/api/buckets/{HOME}/sources", headers=h(k["key"])).status_code == 200
    used = {x["_id"]: x for x in client.get(f"/api/buckets/{HOME}/keys", headers=h(ADMIN)).json()["apiKeys"]}
    assert used[k["_id"]]["lastUsedAt"] is not None
    d = client.delete(f"/api/buckets/{HOME}/keys/{k['_id']}", headers=h(ADMIN))
    assert d.json() == {"message": "API key deleted successfully",
                        "deletedKey": {"_id": k["_id"], "name": "Dev", "type": "write"}}
    assert_error(client.get(f"/api/buckets/{HOME}/sources", headers=h(k["key"])), 401)
    assert_error(client.delete(f"/api/buckets/{HOME}/keys/{k['_id']}", headers=h(ADMIN)), 404, "API key not found")


def test_key_errors(client):
    assert_error(client.post(f"/api/buckets/{HOME}/keys", headers=h(ADMIN), json={"name": "x", "type": "admin"}), 400,
                 "Invalid request parameters", [{"path": ["body", "type"],
                                                 "message": "Invalid enum value. Expected 'write' | 'read', received 'admin'"}])
    assert_error(client.post(f"/api/buckets/{MISSING}/keys", headers=h(ADMIN), json={"name": "x", "type": "read"}),
                 404, "Bucket not found")
    assert_error(client.delete(f"/api/buckets/{HOME}/keys/nothex", headers=h(ADMIN)), 400, "Invalid API key ID format")
    assert_error(client.delete(f"/api/buckets/xx/keys/{MISSING}", headers=h(ADMIN)), 400, "Invalid bucket ID format")
    assert_error(client.delete(f"/api/buckets/{MISSING}/keys/{MISSING}", headers=h(ADMIN)), 404, "Bucket not found")
    office_key = "507f1f77bcf86cd799439023"
    assert_error(client.delete(f"/api/buckets/{HOME}/keys/{office_key}", headers=h(ADMIN)), 404, "API key not found")


# ---------------------------------------------------------------- data sources

def test_data_source_create_and_list(client):
    r = client.post(f"/api/buckets/{HOME}/sources", headers=h(HOME_WRITE),
                    json={"name": "Door", "schema": {"open": {"type": "boolean"}}})
    assert r.status_code == 201
    s = r.json()["dataSource"]
    assert (s["type"], s["downsampling"], s["description"], s["status"], s["bucketId"]) == \
        ("sensor", True, None, "active", HOME)
    listed = client.get(f"/api/buckets/{HOME}/sources", headers=h(HOME_READ)).json()["dataSources"]
    assert [x["name"] for x in listed] == ["Temperature Sensor", "Pressure Sensor", "Door"]
    assert "bucketId" not in listed[-1] and "downsampling" not in listed[-1]


def test_data_source_errors(client):
    r = client.post(f"/api/buckets/{HOME}/sources", headers=h(HOME_WRITE), json={"name": "x", "schema": {"t": "number"}})
    assert_error(r, 400, "Invalid request parameters", [{"path": ["body", "schema", "t"],
                                                         "message": "Expected object, received string"}])
    r = client.post(f"/api/buckets/{HOME}/sources", headers=h(HOME_WRITE), json={"name": "x"})
    assert_error(r, 400, details=[{"path": ["body", "schema"], "message": "Expected object, received undefined"}])
    assert_error(client.get(f"/api/buckets/{MISSING}/sources", headers=h(ADMIN)), 404, "Bucket not found")
    assert_error(client.get("/api/buckets/xyz/sources", headers=h(ADMIN)), 400, "Invalid bucket ID format")


# ---------------------------------------------------------------- data

def point(**kw):
    return {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "timestamp": "2024-01-15T10:30:00Z",
            "values": {"temperature": 22.5, "humidity": 65}, **kw}


def test_ingest_then_query_round_trip(client):
    r = client.post("/api/data", headers=h(HOME_WRITE), json=point(metadata={"deviceId": "ESP32-001"}))
    assert r.status_code == 201 and r.json()["message"] == "Data point ingested successfully"
    dp = r.json()["dataPoint"]
    assert dp["values"] == {"temperature": 22.5, "humidity": 65} and dp["timestamp"] == "2024-01-15T10:30:00Z"
    q = client.post("/api/data/query", headers=h(HOME_READ), json={
        "bucketId": HOME, "dataSourceId": TEMP_SOURCE,
        "filters": {"startTime": "2024-01-15T10:30:00Z", "endTime": "2024-01-15T10:30:00Z"}}).json()
    assert q["data"] == [dp]
    assert q["metadata"] == {"count": 1, "total": 1, "limit": 100, "offset": 0, "hasMore": False,
                             "downsamplingApplied": False}


def test_ingest_errors(client):
    r = client.post("/api/data", headers=h(HOME_WRITE), json={"dataSourceId": TEMP_SOURCE, "values": {"a": 1}})
    assert_error(r, 400, "Invalid request parameters",
                 [{"path": ["body", "bucketId"], "message": "Expected string, received undefined"}])
    assert_error(client.post("/api/data", headers=h(HOME_WRITE), json=point(bucketId="nothex")), 400,
                 details=[{"path": ["body", "bucketId"], "message": "Invalid bucket ID format"}])
    assert_error(client.post("/api/data", headers=h(HOME_WRITE), json=point(dataSourceId="nothex")), 400,
                 details=[{"path": ["body", "dataSourceId"], "message": "Invalid data source ID format"}])
    assert_error(client.post("/api/data", headers=h(HOME_WRITE), json=point(timestamp="15/01/2024")), 400,
                 details=[{"path": ["body", "timestamp"], "message": "Invalid datetime"}])
    assert_error(client.post("/api/data", headers=h(HOME_WRITE), json=point(timestamp=1705318200000)), 400)
    assert_error(client.post("/api/data", headers=h(HOME_WRITE), json=point(values={})), 400)
    assert_error(client.post("/api/data", headers=h(HOME_WRITE), json=point(values={"a": [1]})), 400)
    assert_error(client.post("/api/data", headers=h(HOME_WRITE), json=point(values={"temperature": "hot"})), 400,
                 details=[{"path": ["body", "values", "temperature"], "message": "Expected number, received string"}])
    assert_error(client.post("/api/data", headers=h(ADMIN), json=point(bucketId=MISSING)), 404, "Bucket not found")
    assert_error(client.post("/api/data", headers=h(HOME_WRITE), json=point(dataSourceId=MISSING)), 404,
                 "Data source not found", None)
    assert_error(client.post("/api/data", headers=h(ADMIN), json=point(dataSourceId=OFFICE_SOURCE)), 404,
                 "Data source not found")


def _batch(n, **over):
    return {"bucketId": HOME, "dataPoints": [
        {"dataSourceId": PRESSURE_SOURCE, "timestamp": f"2024-02-01T00:{i // 60:02d}:{i % 60:02d}Z",
         "values": {"pressure": 1000 + i}} for i in range(n)], **over}


@pytest.mark.parametrize("n,status", [(0, 400), (1, 201), (1000, 201), (1001, 400)])
def test_batch_size_boundaries(client, n, status):
    r = client.post("/api/data/batch", headers=h(HOME_WRITE), json=_batch(n))
    assert r.status_code == status, r.text
    if status == 201:
        assert r.json() == {"message": "Batch data ingested successfully", "insertedCount": n}


def test_batch_is_all_or_nothing(app, client):
    before = app.mock.state.sources[PRESSURE_SOURCE].series.n
    body = _batch(5)
    body["dataPoints"][3]["values"] = {"pressure": "high"}
    assert_error(client.post("/api/data/batch", headers=h(HOME_WRITE), json=body), 400,
                 details=[{"path": ["body", "dataPoints", 3, "values", "pressure"],
                           "message": "Expected number, received string"}])
    body = _batch(5)
    body["dataPoints"][4]["dataSourceId"] = MISSING
    assert_error(client.post("/api/data/batch", headers=h(HOME_WRITE), json=body), 404, "Data source not found")
    body = _batch(5)
    del body["dataPoints"][2]["values"]
    assert_error(client.post("/api/data/batch", headers=h(HOME_WRITE), json=body), 400,
                 details=[{"path": ["body", "dataPoints", 2, "values"], "message": "Expected object, received undefined"}])
    assert app.mock.state.sources[PRESSURE_SOURCE].series.n == before


def test_query_aggregation_and_errors(client):
    client.post("/api/data/batch", headers=h(HOME_WRITE), json=_batch(120))
    q = {"bucketId": HOME, "dataSourceId": PRESSURE_SOURCE,
         "filters": {"startTime": "2024-02-01T00:00:00Z", "endTime": "2024-02-01T00:01:59Z"}}
    rows = client.post("/api/data/query", headers=h(HOME_READ), json={**q, "aggregation": "sum", "groupBy": "minute"}).json()
    assert [r["count"] for r in rows["data"]] == [60, 60]
    assert rows["data"][0]["values"] == {"pressure": sum(1000 + i for i in range(60))}
    assert rows["metadata"]["aggregation"] == "sum" and rows["metadata"]["groupBy"] == "minute"
    bad = {**q, "filters": {"startTime": "2024-02-02T00:00:00Z", "endTime": "2024-02-01T00:00:00Z"}}
    assert_error(client.post("/api/data/query", headers=h(HOME_READ), json=bad), 400,
                 details=[{"path": ["body", "filters", "startTime"], "message": "startTime must be before or equal to endTime"}])
    assert_error(client.post("/api/data/query", headers=h(HOME_READ), json={**q, "aggregation": "avg"}), 400,
                 details=[{"path": ["body", "groupBy"], "message": "aggregation and groupBy must be given together"}])
    assert_error(client.post("/api/data/query", headers=h(HOME_READ), json={**q, "filters": {"limit": 0}}), 400)
    assert_error(client.post("/api/data/query", headers=h(HOME_READ), json={**q, "dataSourceId": MISSING}), 404,
                 "Data source not found")


def test_query_auto_downsampling(client):
    client.post("/api/data/batch", headers=h(HOME_WRITE), json=_batch(1000))
    q = {"bucketId": HOME, "dataSourceId": PRESSURE_SOURCE,
         "filters": {"startTime": "2024-02-01T00:00:00Z", "endTime": "2024-02-01T23:59:59Z"}}
    r = client.post("/api/data/query", headers=h(HOME_READ), json=q).json()
    assert r["metadata"]["downsamplingApplied"] is True
    assert r["metadata"]["groupBy"] == "minute" and r["metadata"]["total"] == 17
    small = {**q, "filters": {**q["filters"], "endTime": "2024-02-01T00:08:19Z"}}   # exactly 500 points
    r = client.post("/api/data/query", headers=h(HOME_READ), json=small).json()
    assert r["metadata"]["downsamplingApplied"] is False and r["metadata"]["total"] == 500


# ---------------------------------------------------------------- alerts, analytics

def test_alert_create_list_and_trigger(client):
    body = {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "name": "Hot", "condition": "temperature exceeds 40",
            "webhookUrl": "https://hooks.example.com/x"}
    r = client.post("/api/alerts", headers=h(HOME_WRITE), json=body)
    assert r.status_code == 201
    rule = r.json()["alertRule"]
    assert rule["parsedCondition"] == {"field": "temperature", "operator": "gt", "value": 40}
    assert rule["cooldownMinutes"] == 5 and rule["status"] == "active"
    client.post("/api/data", headers=h(HOME_WRITE), json=point(values={"temperature": 41}))
    listed = client.get(f"/api/buckets/{HOME}/alerts", headers=h(HOME_READ)).json()["alertRules"]
    mine = [x for x in listed if x["_id"] == rule["_id"]][0]
    assert mine["lastTriggeredAt"] is not None and "parsedCondition" not in mine and "bucketId" not in mine
    assert_error(client.post("/api/alerts", headers=h(HOME_WRITE), json={**body, "condition": "whenever"}), 400,
                 details=[{"path": ["body", "condition"], "message": "Could not parse condition"}])
    assert_error(client.post("/api/alerts", headers=h(HOME_WRITE), json={**body, "webhookUrl": "not a url"}), 400,
                 details=[{"path": ["body", "webhookUrl"], "message": "Invalid url"}])
    assert_error(client.post("/api/alerts", headers=h(HOME_WRITE), json={**body, "cooldownMinutes": -1}), 400)
    assert_error(client.post("/api/alerts", headers=h(HOME_WRITE), json={**body, "dataSourceId": MISSING}), 404,
                 "Data source not found")


def test_analytics(client):
    a = client.get(f"/api/analytics/buckets/{HOME}?period=24h", headers=h(HOME_READ)).json()["analytics"]
    assert a["period"] == "24h" and a["summary"]["dataSources"] == 2
    assert sum(s["dataPointCount"] for s in a["dataSourceStats"]) == a["summary"]["dataPointsInPeriod"] > 0
    assert sum(x["count"] for x in a["ingestionRate"]["dataPointsPerHour"]) == a["summary"]["dataPointsInPeriod"]
    assert client.get(f"/api/analytics/buckets/{HOME}", headers=h(HOME_READ)).json()["analytics"]["period"] == "7d"
    assert_error(client.get(f"/api/analytics/buckets/{HOME}?period=1y", headers=h(HOME_READ)), 400,
                 details=[{"path": ["query", "period"],
                           "message": "Invalid enum value. Expected '24h' | '7d' | '30d' | '90d', received '1y'"}])
    o = client.get("/api/analytics/overview", headers=h(ADMIN)).json()["overview"]
    assert o["totals"]["buckets"] == 2 and o["totals"]["apiKeys"] == 4 and o["usage"]["apiCallsThisMonth"] >= 4


# ---------------------------------------------------------------- framework edges

def test_unknown_route_and_wrong_method(client):
    assert_error(client.get("/api/nothing", headers=h(ADMIN)), 404, "Cannot GET /api/nothing")
    r = client.patch(f"/api/buckets/{HOME}", headers=h(ADMIN))
    assert_error(r, 405)
    assert r.headers["allow"] == "GET, DELETE"
    assert client.put("/api/buckets", headers=h(ADMIN)).headers["allow"] == "GET, POST"
    assert client.get("/api/data", headers=h(ADMIN)).headers["allow"] == "POST"


def test_bad_bodies(client):
    post = "/api/buckets"
    assert_error(client.post(post, headers={**h(ADMIN), "content-type": "application/json"}, content=b"{oops"), 400,
                 "Request body is not valid JSON")
    assert_error(client.post(post, headers={**h(ADMIN), "content-type": "application/json"},
                             content=b'{"name": "\xff\xfe"}'), 400, "Request body is not valid UTF-8")
    assert_error(client.post(post, headers={**h(ADMIN), "content-type": "application/json"},
                             content=b'{"name": NaN}'), 400, "Request body is not valid JSON")
    assert_error(client.post(post, headers={**h(ADMIN), "content-type": "text/plain"}, content=b"name"), 415,
                 "Content-Type must be application/json")
    assert_error(client.post(post, headers=h(ADMIN)), 400, "Invalid request parameters")
    assert_error(client.post(post, headers={**h(ADMIN), "content-type": "application/json"}, content=b"null"), 400)
    assert_error(client.post(post, headers={**h(ADMIN), "content-type": "application/json"}, content=b"[1]"), 400)
    big = json.dumps({"name": "x", "description": "y" * (5 * 1024 * 1024)}).encode()
    assert_error(client.post(post, headers={**h(ADMIN), "content-type": "application/json"}, content=big), 413,
                 "Request body exceeds the 5 MiB limit")

    def chunks():
        for _ in range(6):
            yield b" " * (1024 * 1024)
    r = client.post(post, headers={**h(ADMIN), "content-type": "application/json"}, content=chunks())
    assert_error(r, 413)


def test_rate_limit_quota_returns_429_with_retry_after():
    client = TestClient(create_app(seed=1, rate_limit=(2, "minute")), raise_server_exceptions=False)
    assert client.get("/api/buckets", headers=h(ADMIN)).status_code == 200
    r = client.get("/api/buckets", headers=h(ADMIN))
    assert r.headers["X-RateLimit-Remaining"] == "0"
    r = client.get("/api/buckets", headers=h(ADMIN))
    body = assert_error(r, 429)
    assert body["message"].startswith("Rate limit exceeded. Resets at ") and int(r.headers["Retry-After"]) > 0
    assert_error(client.get("/api/buckets"), 401)        # unauthenticated: not counted, still 401


def test_prefer_header_returns_documented_examples_without_touching_state(app, client):
    r = client.get(f"/api/buckets/{HOME}", headers={"Prefer": "code=404"})
    assert r.status_code == 404 and r.json() == {"error": "Not Found", "message": "Bucket not found"}
    r = client.get(f"/api/buckets/{HOME}/keys", headers={"Prefer": "example=empty"})
    assert r.json() == {"apiKeys": []}
    r = client.post("/api/data?__code=404&__example=dataSourceNotFound", json={})
    assert r.json()["message"] == "Data source not found"
    r = client.delete(f"/api/buckets/{HOME}", headers={"Prefer": "code=200"})
    assert r.json()["deletedResources"]["dataPoints"] == 15420
    assert HOME in app.mock.state.buckets                 # nothing was deleted
    assert client.get("/api/buckets", headers={"Prefer": "code=429"}).headers["Retry-After"] == "3600"
    assert client.get("/api/buckets", headers={"Prefer": "code=418"}).status_code == 404


def test_control_api(app, client):
    assert client.get("/__mock/health").json()["service"] == "dakkio-mock"
    client.post("/api/buckets", headers=h(ADMIN), json={"name": "temp"})
    client.get("/api/buckets?limit=0", headers=h(ADMIN))
    entries = client.get("/__mock/journal?limit=2").json()["entries"]
    assert [e["status"] for e in entries] == [201, 400]
    assert entries[1]["error"]["details"][0]["path"] == ["query", "limit"]
    assert entries[0]["operationId"] == "createBucket"
    state = client.get("/__mock/state").json()
    assert len(state["buckets"]) == 3
    assert client.post("/__mock/reset").status_code == 200
    assert len(client.get("/__mock/state").json()["buckets"]) == 2
    state["buckets"] = state["buckets"][:1]
    assert client.post("/__mock/fixtures", json=state).status_code == 201
    again = client.get("/__mock/state").json()
    assert again["buckets"][0]["_id"] == HOME
    pts = again["buckets"][0]["dataSources"][0]["points"]
    assert pts == state["buckets"][0]["dataSources"][0]["points"]   # dump -> load round trip
    assert client.post("/__mock/fixtures", content=b"- not an object").status_code == 400
    assert len(client.get("/__mock/state").json()["buckets"]) == 1  # bad document left state alone


def test_swagger_ui_spec_and_cors(client):
    assert client.get("/ui/").status_code == 200
    spec = client.get("/openapi.json").json()
    ops = [op for item in spec["paths"].values() for m, op in item.items() if m in ("get", "post", "delete")]
    assert len(ops) == 16
    r = client.options("/api/buckets", headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET",
                                                "Access-Control-Request-Headers": "x-api-key"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] in ("*", "http://localhost:5173")
    r = client.get("/api/buckets", headers={**h(ADMIN), "Origin": "http://localhost:5173"})
    assert "x-ratelimit-limit" in r.headers["access-control-expose-headers"].lower()


def test_integers_beyond_64_bits_are_echoed_not_500(client):
    """Found by the thorough Schemathesis profile: orjson cannot write them; the mock falls back."""
    r = client.get(f"/api/buckets?limit=1&offset={10**30}", headers=h(ADMIN))
    assert r.status_code == 200 and r.json()["pagination"]["offset"] == 10**30 and r.json()["buckets"] == []
    big = 10**400
    r = client.post("/api/data", headers=h(HOME_WRITE), json=point(values={"counter": big}))
    assert r.status_code == 201 and r.json()["dataPoint"]["values"] == {"counter": big}
    q = client.post("/api/data/query", headers=h(HOME_READ), json={
        "bucketId": HOME, "dataSourceId": TEMP_SOURCE, "filters": {"startTime": "2024-01-15T10:30:00Z",
                                                                   "endTime": "2024-01-15T10:30:00Z", "offset": 0}})
    assert q.json()["data"][0]["values"] == {"counter": big}


def test_numbers_that_overflow_a_double_are_rejected(client):
    r = client.post("/api/data", headers={**h(HOME_WRITE), "content-type": "application/json"},
                    content=json.dumps(point()).replace("22.5", "1e400").encode())
    assert_error(r, 400, "Request body is not valid JSON")


# ---------------------------------------------------------------- CORS (browser frontends)

def test_cors_preflight_is_answered_for_any_origin(client):
    r = client.options("/api/data/query", headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-API-Key, Content-Type"})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "x-api-key" in r.headers["access-control-allow-headers"].lower()


def test_cors_simple_request_exposes_the_quota_headers(client):
    r = client.get(f"/api/buckets/{HOME}", headers={**h(ADMIN), "Origin": "http://localhost:5173"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    exposed = {x.strip().lower() for x in r.headers["access-control-expose-headers"].split(",")}
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"} <= exposed
    assert r.headers["x-ratelimit-limit"].isdigit()
    r = client.get("/api/buckets", headers={"Origin": "http://localhost:5173"})   # errors too
    assert_error(r, 401)
    assert r.headers["access-control-allow-origin"] == "*"


def test_without_origin_no_cors_headers_but_vary_origin(client):
    """What Starlette's CORS middleware answers to a non-browser request (caches keep the two apart)."""
    for r in (client.get(f"/api/buckets/{HOME}", headers=h(ADMIN)), client.get("/api/buckets")):
        assert "access-control-allow-origin" not in r.headers
        assert r.headers.get_list("vary") == ["Origin"]
