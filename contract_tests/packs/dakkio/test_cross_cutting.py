"""What every operation shares: 401, the envelope, rate-limit headers, framework-level errors."""

import json

import pytest

from contract_tests.client import NO_KEY

from . import checks
from .contract import case, operations

SOME_ID = "5f5f5f5f5f5f5f5f5f5f5f5f"


def _path(op):
    info = operations()[op]
    path = info["path"].replace("{id}", SOME_ID).replace("{bucketId}", SOME_ID).replace("{keyId}", SOME_ID)
    return info["method"], path


def _ops_marked_safe():
    """Reads (and the query, a POST that writes nothing) are safe for --read-only; the rest are not."""
    return [pytest.param(op, marks=[pytest.mark.safe] if info["method"] == "GET" or op == "queryData" else [])
            for op, info in operations().items()]


@case("cross_cutting", "401 on every operation without a valid key")
@pytest.mark.parametrize("op", _ops_marked_safe())
@pytest.mark.parametrize("key", ["none", "malformed"])
def test_401_without_a_valid_key(api, op, key):
    method, path = _path(op)
    body = {"bucketId": SOME_ID} if method == "POST" else None
    r = api.request(method, path, NO_KEY if key == "none" else "dakkio_r_0000000000000000000000000000000000000000", body)
    checks.unauthorized(r)
    checks.rate_headers(r)


@case("cross_cutting", "rate-limit headers on success and error responses", safe=True)
def test_rate_limit_headers(api):
    for r in (api.get("/api/buckets"), api.get("/api/buckets/xyz"), api.get("/api/buckets", key=NO_KEY),
              api.get(f"/api/buckets/{SOME_ID}"), api.post("/api/data/query", {"bucketId": SOME_ID})):
        checks.rate_headers(r)


@case("cross_cutting", "unknown route is a 404 envelope", decision="decision 13", safe=True)
def test_unknown_route(api):
    r = api.get("/api/does-not-exist")
    checks.error(r, 404)
    checks.rate_headers(r)


@case("cross_cutting", "wrong method is 405 with Allow listing the documented methods", decision="decision 13")
@pytest.mark.parametrize("method,path,allow", [("PUT", "/api/buckets", {"GET", "POST"}),
                                               ("PATCH", f"/api/buckets/{SOME_ID}", {"GET", "DELETE"}),
                                               ("GET", "/api/data", {"POST"}),
                                               ("DELETE", "/api/analytics/overview", {"GET"})])
def test_wrong_method(api, method, path, allow):
    r = api.request(method, path)
    checks.error(r, 405)
    got = {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    assert allow <= got and got - allow <= {"HEAD", "OPTIONS"}, f"Allow: {r.headers.get('Allow')!r}"


@case("cross_cutting", "malformed JSON and non-UTF-8 bodies are 400", decision="decision 13")
def test_malformed_bodies(api):
    for raw in (b'{"name": ', b'{"name": "\xff"}', b'{"name": NaN}'):
        r = api.request("POST", "/api/buckets", data=raw, headers={"Content-Type": "application/json"})
        checks.error(r, 400)


@case("cross_cutting", "a body that is not JSON is 415", decision="decision 13")
def test_wrong_content_type(api):
    r = api.request("POST", "/api/buckets", data=b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    checks.error(r, 415)
    r = api.request("POST", "/api/buckets", data=b"x", headers={"Content-Type": "text/plain"})
    checks.error(r, 415)


@case("cross_cutting", "a body over 5 MiB is 413", decision="decision 13")
def test_oversized_body(api):
    big = json.dumps({"name": "x", "description": "y" * (5 * 1024 * 1024 + 10)}).encode()
    r = api.request("POST", "/api/buckets", data=big, headers={"Content-Type": "application/json"})
    checks.error(r, 413)


@case("cross_cutting", "unknown body fields are ignored", decision="decision 12")
def test_unknown_body_fields(api, factory):
    r = api.post("/api/buckets", {"name": factory.name(), "retentionDays": 30, "x": {"y": [1]}})
    checks.ok(r, 201)


@case("cross_cutting", "unknown query parameters ignored; repeated ones rejected", decision="decision 23", safe=True)
def test_query_parameters(api):
    checks.ok(api.get("/api/buckets", params={"limit": 5, "sort": "name"}))
    checks.error(api.get("/api/buckets?limit=5&limit=6"), 400)
    checks.error(api.get("/api/buckets", params={"limit": "1.0"}), 400)


@case("cross_cutting", "Prefer: code=NNN returns the documented example", mock_only=True, safe=True)
def test_prefer(api):
    r = api.get(f"/api/buckets/{SOME_ID}", headers={"Prefer": "code=404"})
    assert r.status_code == 404 and r.json() == {"error": "Not Found", "message": "Bucket not found"}
    r = api.get("/api/buckets", headers={"Prefer": "code=403"})
    assert r.json()["message"] == "Only Admin keys can list buckets"


@case("cross_cutting", "over quota: 429 envelope with Retry-After", mock_only=True)
def test_quota(api, target):
    import requests

    control = target.base_url + "/__mock/quota"
    used = checks.rate_headers(api.get("/api/buckets"))
    limit = used["X-RateLimit-Limit"] - used["X-RateLimit-Remaining"] + 2
    assert requests.put(control, json={"limit": limit, "window": "hour"}, timeout=10).status_code == 200
    try:
        statuses = [api.request("GET", "/api/buckets", retries=0).status_code for _ in range(4)]
        assert 429 in statuses, statuses
        r = api.request("GET", "/api/buckets", retries=0)
        body = checks.error(r, 429)
        assert body["message"].startswith("Rate limit exceeded. Resets at ")
        assert r.headers["Retry-After"].isdigit() and int(r.headers["Retry-After"]) > 0
        assert checks.rate_headers(r)["X-RateLimit-Remaining"] == 0
    finally:
        requests.put(control, json={}, timeout=10)
