"""Every operation x {admin, write, read, no key, malformed key, deleted key, key of another bucket}."""

import pytest

from . import checks
from .client import NO_KEY
from .contract import NO_ACCESS, NO_PERMISSION, case_marks, key_type_message, key_types, operations

KEYS = ["admin", "write", "read", "none", "malformed", "deleted", "other_bucket_write", "other_bucket_read"]


def build(op, world, factory):
    """(method, path, body) of a valid request of ``op`` on bucket A, with fresh resources where it destroys."""
    a, src = world.a, world.source_a
    return {
        "listBuckets": lambda: ("GET", "/api/buckets", None),
        "createBucket": lambda: ("POST", "/api/buckets", {"name": factory.name()}),
        "getBucket": lambda: ("GET", f"/api/buckets/{a}", None),
        "deleteBucket": lambda: ("DELETE", f"/api/buckets/{factory.bucket()}", None),
        "listApiKeys": lambda: ("GET", f"/api/buckets/{a}/keys", None),
        "createApiKey": lambda: ("POST", f"/api/buckets/{a}/keys", {"name": factory.name("k"), "type": "read"}),
        "deleteApiKey": lambda: ("DELETE", f"/api/buckets/{a}/keys/{factory.key(a, 'read')['_id']}", None),
        "listDataSources": lambda: ("GET", f"/api/buckets/{a}/sources", None),
        "createDataSource": lambda: ("POST", f"/api/buckets/{a}/sources", {"name": factory.name("s"), "schema": {}}),
        "ingestData": lambda: ("POST", "/api/data", {"bucketId": a, "dataSourceId": src, "values": {"temperature": 20}}),
        "batchIngestData": lambda: ("POST", "/api/data/batch",
                                    {"bucketId": a, "dataPoints": [{"dataSourceId": src, "values": {"temperature": 21}}]}),
        "queryData": lambda: ("POST", "/api/data/query", {"bucketId": a, "filters": {"limit": 1}}),
        "createAlertRule": lambda: ("POST", "/api/alerts", {"bucketId": a, "dataSourceId": src, "name": "m",
                                                            "condition": "temperature is greater than 99",
                                                            "webhookUrl": "https://example.com/h"}),
        "listAlertRules": lambda: ("GET", f"/api/buckets/{a}/alerts", None),
        "getBucketAnalytics": lambda: ("GET", f"/api/analytics/buckets/{a}", None),
        "getAnalyticsOverview": lambda: ("GET", "/api/analytics/overview", None),
    }[op]()


def expected(op, who):
    """(status, message) the contract pins for ``who`` calling ``op`` on bucket A."""
    allowed = key_types(op)
    if who in ("none", "malformed", "deleted"):
        return 401, "Invalid or missing API key"
    kind = who.replace("other_bucket_", "")
    if kind not in allowed:
        return 403, key_type_message(op)
    if who.startswith("other_bucket") and allowed != ["admin"]:
        return 403, NO_ACCESS
    return None, None


def key_for(who, world, target):
    return {"admin": None, "write": world.write_a, "read": world.read_a, "none": NO_KEY,
            "malformed": "dakkio_w_not-a-real-key", "deleted": world.deleted_key,
            "other_bucket_write": world.write_b, "other_bucket_read": world.read_b}[who]


def _params():
    out = []
    for op in operations():
        for who in KEYS:
            status, message = expected(op, who)
            decision = "decision 3" if message == NO_PERMISSION or (status == 403 and op == "createApiKey") else None
            if who == "deleted":
                decision = None
            marks = case_marks(op, f"key matrix: {who} key", decision=decision)
            out.append(pytest.param(op, who, marks=marks, id=f"{op}-{who}"))
    return out


@pytest.mark.parametrize("op,who", _params())
def test_key_matrix(api, world, factory, target, op, who):
    method, path, body = build(op, world, factory)
    r = api.request(method, path, key_for(who, world, target), body)
    status, message = expected(op, who)
    if status is None:
        assert 200 <= r.status_code < 300, f"{who} key must be allowed: {r.status_code} {r.text[:300]}"
        checks.body_of(r)
    else:
        checks.error(r, status, message)
