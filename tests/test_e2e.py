"""End to end: the real ``dakkio-mock`` process, the documented workflow, plain ``requests``."""

import pytest
import requests

from .conftest import ADMIN
from .livemock import LiveMock


@pytest.fixture(scope="module")
def mock():
    m = LiveMock("--seed", "11")
    yield m
    m.stop()


def test_banner_and_documented_workflow(mock):
    s = requests.Session()
    s.headers["X-API-Key"] = ADMIN
    url = mock.url
    # create bucket -> keys -> data source -> ingest -> batch -> query -> analytics -> delete
    r = s.post(f"{url}/api/buckets", json={"name": "E2E", "description": "end to end"})
    assert r.status_code == 201
    bucket = r.json()["bucket"]["_id"]
    write = s.post(f"{url}/api/buckets/{bucket}/keys", json={"name": "device", "type": "write"}).json()["apiKey"]["key"]
    read = s.post(f"{url}/api/buckets/{bucket}/keys", json={"name": "dash", "type": "read"}).json()["apiKey"]["key"]
    w = {"X-API-Key": write}
    src = requests.post(f"{url}/api/buckets/{bucket}/sources", headers=w, json={
        "name": "DHT22", "schema": {"temperature": {"type": "number", "unit": "celsius"}}}).json()["dataSource"]["_id"]
    r = requests.post(f"{url}/api/data", headers=w, json={
        "bucketId": bucket, "dataSourceId": src, "timestamp": "2024-01-15T10:30:00.123Z",
        "values": {"temperature": 22.5}, "metadata": {"deviceId": "ESP32-001"}})
    assert r.status_code == 201 and r.headers["X-RateLimit-Limit"].isdigit()
    points = [{"dataSourceId": src, "timestamp": f"2024-01-15T1{i}:00:00Z", "values": {"temperature": 20 + i}}
              for i in range(1, 4)]
    r = requests.post(f"{url}/api/data/batch", headers=w, json={"bucketId": bucket, "dataPoints": points})
    assert r.json() == {"message": "Batch data ingested successfully", "insertedCount": 3}
    q = requests.post(f"{url}/api/data/query", headers={"X-API-Key": read}, json={"bucketId": bucket}).json()
    assert [p["timestamp"] for p in q["data"]] == ["2024-01-15T10:30:00.123Z", "2024-01-15T11:00:00Z",
                                                   "2024-01-15T12:00:00Z", "2024-01-15T13:00:00Z"]
    agg = requests.post(f"{url}/api/data/query", headers={"X-API-Key": read}, json={
        "bucketId": bucket, "aggregation": "max", "groupBy": "day"}).json()
    assert agg["data"][0]["values"] == {"temperature": 23} and agg["data"][0]["count"] == 4
    a = requests.get(f"{url}/api/analytics/buckets/{bucket}?period=90d", headers={"X-API-Key": read}).json()
    assert a["analytics"]["summary"]["totalDataPoints"] == 4
    d = s.delete(f"{url}/api/buckets/{bucket}").json()
    assert d["deletedResources"] == {"dataSources": 1, "dataPoints": 4, "apiKeys": 2, "alertRules": 0}
    assert requests.post(f"{url}/api/data/query", headers={"X-API-Key": read}, json={"bucketId": bucket}).status_code == 401


def test_malformed_requests_over_a_real_socket(mock):
    r = requests.post(f"{mock.url}/api/buckets", headers={"X-API-Key": ADMIN, "Content-Type": "application/json"},
                      data=b"\xc3\x28")
    assert r.status_code == 400 and r.json()["message"] == "Request body is not valid UTF-8"

    def gen():
        yield b'{"name": '
        yield b'"chunked"}'
    r = requests.post(f"{mock.url}/api/buckets", headers={"X-API-Key": ADMIN, "Content-Type": "application/json"},
                      data=gen())
    assert r.status_code == 201 and r.json()["bucket"]["name"] == "chunked"
    r = requests.request("TRACE", f"{mock.url}/api/buckets", headers={"X-API-Key": ADMIN})
    assert r.status_code == 405 and r.headers["Allow"] == "GET, POST"


def test_banner_prints_urls_and_demo_keys():
    m = LiveMock("--seed", "3")
    out = m.stop()
    assert f"listening on {m.url}" in out and f"{m.url}/ui/" in out and ADMIN in out
