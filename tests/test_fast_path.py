"""Differential test: Connexion's stock handler path and our lean path answer every operation alike.

The lean path (mock_server/fast.py) hooks private Connexion internals; if an upgrade changes
them, this breaks loudly. Same seed, same fixed clock: the two apps must agree byte for byte
on status and JSON body, and on the headers the contract cares about.
"""

import pytest
from starlette.testclient import TestClient

from mock_server import create_app
from mock_server.core import timeutil

from .conftest import ADMIN, HOME, HOME_READ, HOME_WRITE, OFFICE, PRESSURE_SOURCE, TEMP_SOURCE

NOW = timeutil.parse("2024-06-01T12:00:00Z")
MISSING = "aaaaaaaaaaaaaaaaaaaaaaaa"
BATCH = {"bucketId": HOME, "dataPoints": [{"dataSourceId": PRESSURE_SOURCE, "timestamp": f"2024-06-01T10:{i:02d}:00Z",
                                           "values": {"pressure": 1000 + i}} for i in range(30)]}
SCRIPT = [
    ("GET", "/api/buckets", ADMIN, None), ("GET", "/api/buckets?limit=1&offset=1", ADMIN, None),
    ("GET", "/api/buckets?limit=0", ADMIN, None), ("GET", "/api/buckets", HOME_WRITE, None),
    ("GET", "/api/buckets", None, None), ("POST", "/api/buckets", ADMIN, {"name": "Diff", "description": None}),
    ("POST", "/api/buckets", ADMIN, {"name": "Diff"}), ("POST", "/api/buckets", ADMIN, {"name": ""}),
    ("POST", "/api/buckets", ADMIN, {"name": "x" * 101}), ("GET", f"/api/buckets/{HOME}", ADMIN, None),
    ("GET", "/api/buckets/xyz", ADMIN, None), ("GET", f"/api/buckets/{MISSING}", ADMIN, None),
    ("GET", f"/api/buckets/{HOME}/keys", ADMIN, None),
    ("POST", f"/api/buckets/{HOME}/keys", ADMIN, {"name": "k", "type": "read"}),
    ("POST", f"/api/buckets/{HOME}/keys", ADMIN, {"name": "k", "type": "admin"}),
    ("DELETE", f"/api/buckets/{HOME}/keys/{MISSING}", ADMIN, None),
    ("DELETE", f"/api/buckets/{HOME}/keys/507f1f77bcf86cd799439014", ADMIN, None),
    ("GET", f"/api/buckets/{HOME}/sources", HOME_READ, None), ("GET", f"/api/buckets/{OFFICE}/sources", HOME_WRITE, None),
    ("POST", f"/api/buckets/{HOME}/sources", HOME_WRITE, {"name": "s", "schema": {"v": {"type": "number"}}}),
    ("POST", f"/api/buckets/{HOME}/sources", HOME_WRITE, {"name": "s", "schema": {"v": "number"}}),
    ("POST", "/api/data", HOME_WRITE, {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "timestamp": "2024-06-01T11:00:00+02:00",
                                       "values": {"temperature": 31, "humidity": 40.5}, "metadata": {"d": 1}}),
    ("POST", "/api/data", HOME_WRITE, {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "values": {"temperature": "x"}}),
    ("POST", "/api/data", HOME_WRITE, {"bucketId": HOME, "dataSourceId": MISSING, "values": {"a": 1}}),
    ("POST", "/api/data/batch", HOME_WRITE, BATCH),
    ("POST", "/api/data/query", HOME_READ, {"bucketId": HOME, "filters": {"limit": 5, "offset": 2}}),
    ("POST", "/api/data/query", HOME_READ, {"bucketId": HOME, "aggregation": "avg", "groupBy": "hour"}),
    ("POST", "/api/data/query", HOME_READ, {"bucketId": HOME, "aggregation": "avg"}),
    ("POST", "/api/alerts", HOME_WRITE, {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "name": "a",
                                         "condition": "temperature > 30", "webhookUrl": "https://x.test/h"}),
    ("POST", "/api/alerts", HOME_WRITE, {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "name": "a",
                                         "condition": "?", "webhookUrl": "https://x.test/h"}),
    ("GET", f"/api/buckets/{HOME}/alerts", HOME_READ, None),
    ("GET", f"/api/analytics/buckets/{HOME}?period=30d", HOME_READ, None),
    ("GET", f"/api/analytics/buckets/{HOME}?period=1y", HOME_READ, None),
    ("GET", "/api/analytics/overview", ADMIN, None), ("GET", "/api/analytics/overview", HOME_READ, None),
    ("PUT", "/api/buckets", ADMIN, None), ("GET", "/api/nothing", ADMIN, None),
    ("DELETE", f"/api/buckets/{HOME}", ADMIN, None), ("GET", f"/api/buckets/{HOME}/sources", HOME_READ, None),
    # the same (method, path) again: the lean path's routing memo answers these
    ("GET", f"/api/buckets/{HOME}", ADMIN, None), ("GET", "/api/buckets/xyz", ADMIN, None),
    ("PUT", "/api/buckets", ADMIN, None), ("GET", "/api/nothing", ADMIN, None), ("GET", "/api/buckets/", ADMIN, None),
    ("POST", "/api/data", HOME_WRITE, {"bucketId": OFFICE, "dataSourceId": TEMP_SOURCE, "values": {"a": 1}}),
    ("GET", f"/api/buckets/{OFFICE}?limit=1", ADMIN, None), ("DELETE", f"/api/buckets/{OFFICE}", ADMIN, None),
]


def _run(lean: bool):
    app = create_app(seed=9, clock=lambda: NOW, lean=lean, validate_responses=True)
    client = TestClient(app, raise_server_exceptions=False)
    out = []
    for method, path, key, body in SCRIPT:
        r = client.request(method, path, headers={"X-API-Key": key} if key else {}, json=body)
        headers = {k: r.headers.get(k) for k in ("content-type", "allow", "x-ratelimit-limit", "x-ratelimit-remaining",
                                                  "x-ratelimit-reset", "retry-after", "vary")}
        out.append((method, path, r.status_code, r.json(), headers))
    return out


def test_stock_and_lean_paths_agree_on_every_operation():
    stock, lean = _run(False), _run(True)
    ops = {p.split("?")[0] for _, p, *_ in stock}
    assert len(ops) >= 12
    for a, b in zip(stock, lean, strict=True):
        assert a == b, f"{a[0]} {a[1]}:\nstock {a[2:]}\nlean  {b[2:]}"
    assert {s for _, _, s, _, _ in stock} >= {200, 201, 400, 401, 403, 404, 405, 409}


@pytest.mark.parametrize("path", ["/ui/", "/openapi.json"])
def test_swagger_ui_served_on_both_paths(path):
    for lean in (False, True):
        assert TestClient(create_app(fixtures=None, lean=lean)).get(path).status_code == 200
