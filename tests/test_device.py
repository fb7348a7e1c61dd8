"""The device's view: an ESP32 on the same network, talking to the mock as Arduino's HTTPClient does,
retrying as the ingest page's best practice says, and finding the mock from the LAN banner.
"""

import json
import socket
import time

import pytest
import requests
from openapi_schema_validator import OAS30Validator

from mock_server.core import cli, lan
from mock_server.core.app import create_app

from .conftest import HOME, HOME_READ, HOME_WRITE, TEMP_SOURCE
from .inthread import serving


@pytest.fixture(scope="module")
def live():
    app = create_app("dakkio", seed=1)
    with serving(app) as url:
        yield app, url


def arduino_post(url: str, path: str, payload: str, *, http10: bool, write_size: int = 7) -> tuple[int, dict, bytes]:
    """POST as ESP32 ``HTTPClient`` does (``http.useHTTP10(true)`` for HTTP/1.0): its own header set,
    ``Connection: close``, the body written in small pieces (what a slow Wi-Fi link delivers); the
    response read until the server closes."""
    host, port = url.rsplit("//", 1)[1].split(":")
    body = payload.encode("utf-8")
    head = (f"POST {path} HTTP/1.{0 if http10 else 1}\r\nHost: {host}:{port}\r\nUser-Agent: ESP32HTTPClient\r\n"
            f"Connection: close\r\n")
    if not http10:
        head += "Accept-Encoding: identity;q=1,chunked;q=0.1,*;q=0\r\n"
    head += (f"Content-Type: application/json; charset=utf-8\r\nX-API-Key: {HOME_WRITE}\r\n"
             f"Content-Length: {len(body)}\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(head.encode("latin-1"))
        for i in range(0, len(body), write_size):
            s.sendall(body[i:i + write_size])
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    raw_head, _, content = data.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, content


@pytest.mark.parametrize("http10", [True, False], ids=["HTTP/1.0", "HTTP/1.1"])
def test_an_arduino_httpclient_post_gets_the_documented_201(live, resolved, http10):
    app, url = live
    doc = {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "timestamp": "2024-01-15T10:30:00Z",   # the page's sketch
           "values": {"temperature": 23.4, "humidity": 51.2, "pressure": 1013.1},
           "metadata": {"deviceId": "ESP32-001", "location": "Living Room"}}
    status, headers, content = arduino_post(url, "/api/data", json.dumps(doc, separators=(",", ":")), http10=http10)
    assert status == 201 and headers["content-type"].startswith("application/json")
    assert headers.get("connection", "close").lower() == "close"
    body = json.loads(content[: int(headers["content-length"])] if "content-length" in headers else content)
    schema = resolved["paths"]["/api/data"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert not list(OAS30Validator(schema).iter_errors(body))
    assert body["message"] == "Data point ingested successfully"
    assert body["dataPoint"]["values"] == doc["values"] and body["dataPoint"]["metadata"] == doc["metadata"]


def ingest_with_retry(session: requests.Session, url: str, data: dict, max_retries: int = 3, base: float = 1.0):
    """The ingest page's ``ingestWithRetry`` in Python: try, and on any failure wait
    ``base * 2**i`` seconds (the page: 1000 ms * 2^i) before the next try; the last failure is raised."""
    for i in range(max_retries):
        try:
            r = session.post(url, json=data, timeout=5)
            r.raise_for_status()              # axios rejects on any non-2xx status
            return r
        except requests.RequestException:
            if i == max_retries - 1:
                raise
            time.sleep(base * 2 ** i)


def test_the_docs_retry_loop_recovers_from_503_429_and_resets_storing_each_point_once(live):
    """Injected 503s, 429s and connection resets on ingest (seeded, so the run is repeatable); every
    point the loop got a 201 for is stored exactly once, and those it gave up on not at all."""
    app, url = live
    rule = requests.post(f"{url}/__mock/faults", json={"fault": "503|429|reset", "operationId": "ingestData",
                                                       "probability": 0.5, "seed": 13}, timeout=5).json()
    session = requests.Session()
    session.headers["X-API-Key"] = HOME_WRITE
    acknowledged, gave_up = [], []
    try:
        for n in range(40):
            point = {"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "values": {"temperature": 20.0},
                     "metadata": {"deviceId": "ESP32-retry", "seq": n}}
            try:
                ingest_with_retry(session, f"{url}/api/data", point, max_retries=6, base=0.002)
                acknowledged.append(n)
            except requests.RequestException:
                gave_up.append(n)
    finally:
        requests.delete(f"{url}/__mock/faults/{rule['id']}", timeout=5)
    journal = requests.get(f"{url}/__mock/journal?limit=1000", timeout=5).json()["entries"]
    injected = [e for e in journal if e["path"] == "/api/data" and "injected" in e]
    assert {(e["injected"]["kind"], e["status"]) for e in injected} == {("status", 503), ("status", 429), ("reset", 0)}
    assert len(injected) >= 20
    q = requests.post(f"{url}/api/data/query", headers={"X-API-Key": HOME_READ}, timeout=5,
                      json={"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "filters": {"limit": 1000}}).json()
    seqs = sorted(p["metadata"]["seq"] for p in q["data"] if p["metadata"].get("deviceId") == "ESP32-retry")
    assert seqs == acknowledged and len(acknowledged) >= 35


def test_the_lan_banner_lists_the_urls_a_device_uses(monkeypatch):
    app = create_app("dakkio", seed=1)
    monkeypatch.setattr(lan, "interface_addresses", lambda: [("wlan0", "192.168.1.23"), ("eth0", "10.0.0.5")])
    text = cli.banner(app, "0.0.0.0", 4010)
    assert "On this network: http://192.168.1.23:4010  (wlan0)" in text and "http://10.0.0.5:4010" in text
    assert "listening on http://127.0.0.1:4010" in text
    assert "On this network" not in cli.banner(app, "127.0.0.1", 4010)
    monkeypatch.setattr(lan, "interface_addresses", lambda: [])
    assert "no IPv4 interface found" in cli.banner(app, "0.0.0.0", 4010)


def test_interface_addresses_are_this_machines_own():
    found = lan.interface_addresses()
    for name, addr in found:
        socket.inet_aton(addr)
        assert name and not addr.startswith("127.")
    for _, addr in found:                         # each one can be bound here: it is this machine's
        with socket.socket() as s:
            s.bind((addr, 0))
    assert lan.browsable("0.0.0.0") == "127.0.0.1" and lan.browsable("::1") == "[::1]"
