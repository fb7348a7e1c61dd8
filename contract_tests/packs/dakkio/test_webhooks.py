"""Alert webhooks: /guides/webhooks (the ``alert.triggered`` payload) and the alert rules' cooldown.

The suite runs its own receiver on ``--webhook-host`` (an address of this machine the target can
reach; 127.0.0.1 when the target is a mock on this machine), creates a rule pointing at it,
ingests a matching point and waits (up to ``DEADLINE``) for a payload valid against the contract's
``alertTriggered`` callback. Without ``--webhook-host`` against another target, or when nothing
arrives from a target that cannot reach the receiver, the test says so and skips.
"""

from __future__ import annotations

import copy
import ipaddress
import urllib.parse

import jsonschema
import pytest
import requests

from . import checks
from .contract import case, spec
from .receiver import Receiver, split_host

DEADLINE = 15.0    # seconds for a webhook to arrive


def _loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module")
def receiver(request, target):
    option = request.config.getoption("--webhook-host")
    if not option:
        if not (target.is_mock and _loopback(target.base_url)):
            pytest.skip("webhook delivery not checked: give --webhook-host HOST[:PORT], an address of this "
                        "machine the target can reach")
        option = "127.0.0.1"
    r = Receiver(*split_host(option))
    yield r
    r.close()


def _deref(node, root):
    if isinstance(node, dict):
        if "$ref" in node:
            target = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _deref(copy.deepcopy(target), root)
        return {k: _deref(v, root) for k, v in node.items()}
    if isinstance(node, list):
        return [_deref(v, root) for v in node]
    return node


def callback_schema() -> dict:
    """The body schema of the ``alertTriggered`` callback of ``POST /api/alerts``."""
    doc = spec()
    (expression, item), = doc["paths"]["/api/alerts"]["post"]["callbacks"]["alertTriggered"].items()
    assert expression == "{$request.body#/webhookUrl}", expression
    return _deref(item["post"]["requestBody"]["content"]["application/json"]["schema"], doc)


def _mock_deliveries(target, alert_id: str) -> list[dict]:
    listing = requests.get(target.base_url + "/__mock/webhooks", timeout=10).json()["deliveries"]
    return [d for d in listing if d["alertId"] == alert_id]


def _unsent(target, url: str, alert_id: str, final: bool) -> None:
    """Skip when the target cannot reach the receiver (or, a mock, was told not to send); fail when
    it did not even try."""
    if not target.is_mock:
        if final:
            pytest.skip(f"no webhook arrived at {url} within {DEADLINE:.0f} s: the target may not reach this "
                        "machine (give --webhook-host an address it can reach)")
        return
    mine = _mock_deliveries(target, alert_id)
    assert mine, "the rule fired but the mock recorded no webhook delivery for it"
    if mine[0]["status"] == "not sent" or (final and None in mine[0]["statuses"]):
        pytest.skip(f"the mock did not deliver to {url}: {mine[0]['lastError']}")
    if final:
        pytest.fail(f"the mock reports the delivery as {mine[0]['status']} but nothing arrived: {mine[0]}")


@case("createAlertRule", "alert.triggered webhook: documented payload on a match, none during cooldown")
def test_alert_webhook_arrives_and_cooldown_holds_back_a_second(api, factory, target, receiver, run_id, request):
    bid = factory.bucket()
    src = factory.source(bid, {"temperature": {"type": "number", "unit": "celsius"}, "humidity": {"type": "number"}})
    path = f"/dakkio-contract/{run_id}/{bid}"
    rule = checks.ok(api.post("/api/alerts", {
        "bucketId": bid, "dataSourceId": src, "name": "ctr High Temperature Warning",
        "condition": "temperature is greater than 30", "webhookUrl": receiver.url(path), "cooldownMinutes": 5}), 201)
    rule = rule["alertRule"]
    point = {"bucketId": bid, "dataSourceId": src, "timestamp": "2024-01-15T10:30:00Z",
             "values": {"temperature": 31.5, "humidity": 65}, "metadata": {"deviceId": "ESP32-001", "location": "Room A"}}
    checks.ok(api.post("/api/data", {**point, "values": {"temperature": 20, "humidity": 65}}), 201)  # no match
    checks.ok(api.post("/api/data", point), 201)
    _unsent(target, receiver.url(path), rule["_id"], final=False)
    got = receiver.wait(path, 1, DEADLINE)
    if not got:
        _unsent(target, receiver.url(path), rule["_id"], final=True)
    assert len(got) == 1, f"one matching point, {len(got)} webhooks"
    assert got[0].headers.get("content-type", "").split(";")[0].strip() == "application/json", got[0].headers
    payload = got[0].json()
    errors = sorted(jsonschema.Draft4Validator(callback_schema()).iter_errors(payload), key=str)
    assert not errors, f"payload breaks the alertTriggered callback schema: {errors[0].message}\n{payload}"
    data = payload["data"]
    assert (payload["event"], payload["bucketId"].lower()) == ("alert.triggered", bid.lower())
    assert (data["alertId"], data["alertName"], data["condition"]) == (rule["_id"], rule["name"], rule["condition"])
    assert data["dataSourceId"].lower() == src.lower()
    assert (data["currentValue"], data["threshold"], data["operator"]) == (31.5, 30, ">")
    assert data["dataPoint"]["values"] == point["values"] and data["dataPoint"]["metadata"] == point["metadata"]
    assert checks.parse_ts(data["dataPoint"]["timestamp"]) == checks.parse_ts(point["timestamp"])
    tolerance = request.config.getoption("--clock-tolerance")
    checks.recent(data["triggeredAt"], tolerance)
    checks.recent(payload["timestamp"], tolerance)

    # Cooldown: a second match within 5 minutes sends nothing. A rule without cooldown, created now on
    # the same source, fires on that same point: once its webhook is in, the first rule's would be too.
    sentinel_path = path + "/sentinel"
    checks.ok(api.post("/api/alerts", {"bucketId": bid, "dataSourceId": src, "name": "ctr sentinel",
                                       "condition": "temperature is greater than 30",
                                       "webhookUrl": receiver.url(sentinel_path), "cooldownMinutes": 0}), 201)
    checks.ok(api.post("/api/data", {**point, "timestamp": "2024-01-15T10:31:00Z",
                                     "values": {"temperature": 35, "humidity": 60}}), 201)
    assert receiver.wait(sentinel_path, 1, DEADLINE), "the rule without cooldown sent no webhook"
    assert len(receiver.at(path)) == 1, "a second webhook arrived during the cooldown"
    if target.is_mock:
        assert len(_mock_deliveries(target, rule["_id"])) == 1, "the mock sent during the cooldown"
