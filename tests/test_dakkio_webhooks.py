"""Alert webhooks (profiles/dakkio/webhooks.py): the documented payload, background delivery, retries
with backoff, redelivery, the modes, and the contract's ``alertTriggered`` callback.

A real receiver on 127.0.0.1 (a threaded HTTP server answering what each test scripts); the mock
in process. Waits are polls with a deadline.
"""

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from openapi_schema_validator import OAS30Validator
from starlette.testclient import TestClient

from mock_server.core.app import create_app
from mock_server.profiles.dakkio import webhooks
from mock_server.profiles.dakkio.services import alerts

from .conftest import HOME, HOME_WRITE, TEMP_SOURCE
from .livemock import free_port

W = {"X-API-Key": HOME_WRITE}


class Receiver:
    """Answers POSTs with ``answers`` in turn (the last one repeats); ``gate``: hold every answer until set."""

    def __init__(self, answers=(204,), gate: threading.Event | None = None):
        self.answers, self.gate = list(answers), gate
        self.got, self.answered = [], 0
        self.changed = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.changed:
                    outer.got.append((dict(self.headers), json.loads(body)))
                    status = outer.answers[min(len(outer.got), len(outer.answers)) - 1]
                    outer.changed.notify_all()
                if outer.gate is not None:
                    outer.gate.wait(10)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with outer.changed:
                    outer.answered += 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def wait(self, n: int, deadline: float = 10.0) -> list:
        end = time.monotonic() + deadline
        with self.changed:
            while len(self.got) < n and time.monotonic() < end:
                self.changed.wait(end - time.monotonic())
            return list(self.got)

    def close(self):
        if self.gate is not None:
            self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def client():
    app = create_app("dakkio", seed=1)
    app.mock.state.webhooks.backoff = 0.01     # the retries' schedule, shortened
    return TestClient(app)


def _rule(client, url, condition="temperature is greater than 30", cooldown=5, name="High Temperature Warning"):
    r = client.post("/api/alerts", headers=W, json={"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "name": name,
                                                    "condition": condition, "webhookUrl": url, "cooldownMinutes": cooldown})
    assert r.status_code == 201, r.text
    return r.json()["alertRule"]


def _point(ts="2024-01-15T10:30:00Z", temperature=31.5, **extra):
    return {"dataSourceId": TEMP_SOURCE, "timestamp": ts, "values": {"temperature": temperature, "humidity": 65},
            "metadata": {"deviceId": "ESP32-001", "location": "Room A"}, **extra}


def _ingest(client, point=None):
    r = client.post("/api/data", headers=W, json={"bucketId": HOME, **(point or _point())})
    assert r.status_code == 201, r.text
    return r.json()


def _deliveries(client, alert_id=None):
    found = client.get("/__mock/webhooks").json()["deliveries"]
    return [d for d in found if alert_id is None or d["alertId"] == alert_id]


def _until(fn, deadline=10.0):
    end = time.monotonic() + deadline
    while True:
        value = fn()
        if value or time.monotonic() > end:
            return value
        time.sleep(0.01)


def callback_schema(resolved):
    callback = resolved["paths"]["/api/alerts"]["post"]["callbacks"]["alertTriggered"]
    return callback["{$request.body#/webhookUrl}"]["post"]["requestBody"]["content"]["application/json"]


def test_a_firing_rule_posts_the_documented_payload(client, receiver, resolved):
    rule = _rule(client, receiver.url)
    stored = _ingest(client)["dataPoint"]
    (headers, payload), = receiver.wait(1)
    assert payload == {
        "event": "alert.triggered", "timestamp": payload["timestamp"], "webhookId": alerts.webhook_id(
            client.app.mock.state.alerts[rule["_id"]]), "bucketId": HOME,
        "data": {"alertId": rule["_id"], "alertName": "High Temperature Warning", "dataSourceId": TEMP_SOURCE,
                 "dataSourceName": "Temperature Sensor", "condition": "temperature is greater than 30",
                 "currentValue": 31.5, "threshold": 30, "operator": ">", "triggeredAt": stored["createdAt"],
                 "dataPoint": {"timestamp": "2024-01-15T10:30:00Z", "values": {"temperature": 31.5, "humidity": 65},
                               "metadata": {"deviceId": "ESP32-001", "location": "Room A"}}}}
    assert payload["timestamp"] == stored["createdAt"]
    assert headers["Content-Type"] == "application/json" and headers["User-Agent"] == webhooks.USER_AGENT
    assert headers["X-Dakkio-Event"] == "alert.triggered"
    errors = list(OAS30Validator(callback_schema(resolved)["schema"]).iter_errors(payload))
    assert not errors, errors[0].message
    d, = _until(lambda: [d for d in _deliveries(client, rule["_id"]) if d["status"] == "delivered"])
    assert (d["statuses"], d["lastError"], d["payload"], d["url"]) == ([204], None, payload, receiver.url)
    assert d["latencyMs"] >= 0 and d["attempts"][0]["number"] == 1


def test_the_callback_carries_the_docs_example_and_every_operator(resolved):
    media = callback_schema(resolved)
    example = media["examples"]["alertTriggered"]["value"]
    assert example["data"]["operator"] == ">" and example["data"]["condition"] == "Temperature exceeds 30°C for 5 minutes"
    validator = OAS30Validator(media["schema"])
    assert not list(validator.iter_errors(example))
    assert list(validator.iter_errors({**example, "data": {**example["data"], "operator": "gt"}}))
    assert set(media["schema"]["properties"]["data"]["properties"]["operator"]["enum"]) == set(alerts.SYMBOLS.values())


@pytest.mark.parametrize("condition,value,symbol", [("temperature is at least 30", 30, ">="),
                                                    ("temperature drops below 40", 31.5, "<"),
                                                    ("temperature is not equal to 0", 31.5, "!="),
                                                    ("temperature equals 31.5", 31.5, "==")])
def test_the_payload_spells_the_operator_as_a_symbol(client, receiver, condition, value, symbol):
    _rule(client, receiver.url, condition)
    _ingest(client, _point(temperature=value))
    (_, payload), = receiver.wait(1)
    assert (payload["data"]["operator"], payload["data"]["currentValue"]) == (symbol, value)


def test_a_batch_delivers_the_points_that_fired(client, receiver):
    """Vectorised batch path: with a cooldown the first matching point; without one, every match."""
    cooling = _rule(client, receiver.url, "temperature > 30", cooldown=5, name="cooling")
    every = _rule(client, receiver.url, "temperature > 30", cooldown=0, name="every")
    temps = [20 + (i % 7) * 2 for i in range(40)]             # 20..32: matches at 31, 32
    points = [_point(f"2024-01-15T10:{i:02d}:00Z", t) for i, t in enumerate(temps)]
    r = client.post("/api/data/batch", headers=W, json={"bucketId": HOME, "dataPoints": points})
    assert r.status_code == 201
    matching = [p["timestamp"] for p in points if p["values"]["temperature"] > 30]
    first, = _deliveries(client, cooling["_id"])
    assert first["payload"]["data"]["dataPoint"]["timestamp"] == matching[0]
    assert first["payload"]["data"]["currentValue"] == 32
    assert [d["payload"]["data"]["dataPoint"]["timestamp"] for d in _deliveries(client, every["_id"])] == matching
    assert len(receiver.wait(1 + len(matching))) == 1 + len(matching)


def test_the_ingest_response_never_waits_for_the_receiver():
    gate = threading.Event()
    slow = Receiver(gate=gate)
    try:
        client = TestClient(create_app("dakkio", seed=1))
        rule = _rule(client, slow.url)
        _ingest(client)                              # returns while the receiver still holds its answer
        assert slow.wait(1) and slow.answered == 0
        assert _deliveries(client, rule["_id"])[0]["status"] == "pending"
        gate.set()
        assert _until(lambda: _deliveries(client, rule["_id"])[0]["status"] == "delivered")
    finally:
        slow.close()


@pytest.mark.parametrize("answers,status,statuses", [
    ((503, 500, 204), "delivered", [503, 500, 204]),
    ((502,), "failed", [502, 502, 502]),
    ((404,), "failed", [404]),                       # refused: not retried
    ((301,), "failed", [301]),                       # redirects are not followed
])
def test_retries_with_backoff_on_5xx_only(client, answers, status, statuses):
    r = Receiver(answers)
    try:
        rule = _rule(client, r.url)
        _ingest(client)
        d = _until(lambda: [d for d in _deliveries(client, rule["_id"]) if d["status"] != "pending"])[0]
        assert (d["status"], d["statuses"]) == (status, statuses)
        assert [a["number"] for a in d["attempts"]] == list(range(1, len(statuses) + 1))
        assert d["lastError"] == (None if status == "delivered" else f"HTTP {statuses[-1]}")
        assert len(r.wait(len(statuses))) == len(statuses)
    finally:
        r.close()


def test_connection_errors_are_retried_then_fail(client, caplog):
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    rule = _rule(client, url)
    with caplog.at_level(logging.INFO, logger="mock.webhooks"):
        _ingest(client)
        d = _until(lambda: [d for d in _deliveries(client, rule["_id"]) if d["status"] != "pending"])[0]
    assert (d["status"], d["statuses"]) == ("failed", [None] * webhooks.ATTEMPTS)
    assert "ConnectionError" in d["lastError"]
    assert len([m for m in caplog.messages if f"webhook {d['id']} alert.triggered attempt" in m]) == webhooks.ATTEMPTS


def test_backoff_doubles_between_attempts():
    outbox = webhooks.Outbox("local", attempts=3, backoff=0.05)
    started = time.monotonic()
    outbox.submit("alert.triggered", f"http://127.0.0.1:{free_port()}/x", "a" * 24, {"event": "alert.triggered"})
    d = _until(lambda: [d for d in outbox.listing() if d["status"] == "failed"])[0]
    assert time.monotonic() - started >= 0.05 + 0.1 and len(d["attempts"]) == 3


def test_a_delivery_can_be_redelivered(client, receiver):
    rule = _rule(client, receiver.url)
    _ingest(client)
    first = _until(lambda: [d for d in _deliveries(client, rule["_id"]) if d["status"] == "delivered"])[0]
    r = client.post(f"/__mock/webhooks/{first['id']}/redeliver")
    assert r.status_code == 202 and r.json()["redeliveryOf"] == first["id"] and r.json()["id"] != first["id"]
    got = receiver.wait(2)
    assert len(got) == 2 and got[0][1] == got[1][1]
    assert client.get(f"/__mock/webhooks/{r.json()['id']}").json()["payload"] == first["payload"]
    assert client.post("/__mock/webhooks/999999/redeliver").status_code == 404
    assert client.get("/__mock/webhooks/999999").status_code == 404
    assert client.get("/__mock/webhooks?limit=1").json()["deliveries"][0]["id"] == r.json()["id"]
    assert client.get("/__mock/webhooks?limit=x").status_code == 400
    assert client.delete("/__mock/webhooks").status_code == 200 and _deliveries(client) == []


def test_cooldown_holds_back_the_second_delivery(client, receiver):
    rule = _rule(client, receiver.url, cooldown=5)
    _ingest(client)
    _ingest(client, _point("2024-01-15T10:31:00Z", 35))
    assert len(_deliveries(client, rule["_id"])) == 1          # decided at ingest: nothing to wait for
    client.app.mock.state.alerts[rule["_id"]].last_triggered_at -= 5 * 60_000
    _ingest(client, _point("2024-01-15T10:32:00Z", 36))
    assert len(_deliveries(client, rule["_id"])) == 2 and len(receiver.wait(2)) == 2


def test_webhooks_off_logs_and_sends_nothing(receiver, caplog):
    client = TestClient(create_app("dakkio", seed=1, webhooks="off"))
    rule = _rule(client, receiver.url)
    with caplog.at_level(logging.INFO, logger="mock.webhooks"):
        _ingest(client)
    d, = _deliveries(client, rule["_id"])
    assert (d["status"], d["attempts"], d["lastError"]) == ("not sent", [], "webhooks are off (--webhooks off)")
    assert any("not sent" in m and receiver.url in m and '"alert.triggered"' in m for m in caplog.messages)
    assert client.get("/__mock/webhooks").json()["mode"] == "off"


def test_local_mode_keeps_deliveries_on_this_machine_and_network(client):
    """The demo rule points at Slack: by default the mock does not send it (and says why)."""
    _ingest(client)
    d, = _deliveries(client, "507f1f77bcf86cd799439017")
    assert d["status"] == "not sent" and "--webhooks on" in d["lastError"]
    for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://10.1.2.3/x", "http://192.168.1.20:8080/",
                "http://[::1]:80/", "http://esp32.local/x", "http://169.254.1.1/"):
        assert webhooks.is_local(url), url
    for url in ("https://hooks.slack.com/services/T00/B00/XXX", "http://8.8.8.8/", "http://example.com/",
                "http://127.0.0.1.nip.io/"):
        assert not webhooks.is_local(url), url
    with pytest.raises(ValueError):
        webhooks.Outbox("sometimes")


def test_sustained_conditions_are_parsed_not_ignored(client, receiver):
    rule = _rule(client, receiver.url, "temperature > 30 for 5 minutes", cooldown=0)
    assert rule["parsedCondition"] == {"field": "temperature", "operator": "gt", "value": 30, "durationMinutes": 5}
    for minute in (0, 2, 4):
        _ingest(client, _point(f"2024-01-15T10:{minute:02d}:00Z", 31))
    assert _deliveries(client, rule["_id"]) == []
    _ingest(client, _point("2024-01-15T10:05:00Z", 32))
    d, = _deliveries(client, rule["_id"])
    assert d["payload"]["data"]["dataPoint"]["timestamp"] == "2024-01-15T10:05:00Z"
    r = client.post("/api/alerts", headers=W, json={"bucketId": HOME, "dataSourceId": TEMP_SOURCE, "name": "x",
                                                    "condition": "temperature > 30 for ages", "webhookUrl": receiver.url})
    assert r.status_code == 400 and r.json()["details"] == [{"path": ["body", "condition"],
                                                             "message": "Could not parse condition"}]
