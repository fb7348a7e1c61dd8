"""Alert rules: /api-reference/alerts/*."""

import pytest

from . import checks
from .contract import case

HOOK = "https://hooks.example.com/dakkio"


@pytest.fixture
def rule_body(world):
    return {"bucketId": world.a, "dataSourceId": world.source_a, "name": "High Temperature Alert",
            "condition": "temperature is greater than 30", "webhookUrl": HOOK}


@case("createAlertRule", "201 with parsedCondition and default cooldown")
def test_create_rule(api, world, rule_body):
    body = checks.ok(api.post("/api/alerts", rule_body, key=world.write_a), 201)
    assert body["message"] == "Alert rule created successfully"
    r = body["alertRule"]
    assert r["parsedCondition"] == {"field": "temperature", "operator": "gt", "value": 30}
    assert (r["status"], r["cooldownMinutes"], r["webhookUrl"], r["name"]) == ("active", 5, HOOK, rule_body["name"])
    assert r["bucketId"].lower() == world.a.lower() and r["dataSourceId"].lower() == world.source_a.lower()


@case("createAlertRule", "documented condition phrasings parse", decision="decision 10")
@pytest.mark.parametrize("condition,op,value", [("humidity is less than 40", "lt", 40),
                                                ("pressure drops below 1000", "lt", 1000),
                                                ("temperature exceeds 30", "gt", 30),
                                                ("pressure equals 1013", "eq", 1013),
                                                ("battery is not equal to 0", "neq", 0)])
def test_conditions(api, world, rule_body, condition, op, value):
    r = checks.ok(api.post("/api/alerts", {**rule_body, "condition": condition, "cooldownMinutes": 15}), 201)["alertRule"]
    assert r["parsedCondition"]["operator"] == op and r["parsedCondition"]["value"] == value
    assert r["cooldownMinutes"] == 15


@case("createAlertRule", "400 unparseable condition, missing webhookUrl, bad cooldown", decision="decision 10")
def test_create_rule_errors(api, world, rule_body):
    checks.error(api.post("/api/alerts", {**rule_body, "condition": "whenever it feels like it"}), 400,
                 path=["body", "condition"])
    body = {k: v for k, v in rule_body.items() if k != "webhookUrl"}
    checks.error(api.post("/api/alerts", body), 400, path=["body", "webhookUrl"])
    checks.error(api.post("/api/alerts", {**rule_body, "webhookUrl": "not a url"}), 400, path=["body", "webhookUrl"])
    checks.error(api.post("/api/alerts", {**rule_body, "cooldownMinutes": -1}), 400, path=["body", "cooldownMinutes"])
    checks.error(api.post("/api/alerts", {**rule_body, "name": ""}), 400, path=["body", "name"])


@case("createAlertRule", "404 unknown data source or bucket", decision="decision 18")
def test_create_rule_not_found(api, world, rule_body):
    checks.error(api.post("/api/alerts", {**rule_body, "dataSourceId": world.source_b}), 404, "Data source not found")
    checks.error(api.post("/api/alerts", {**rule_body, "bucketId": "eeeeeeeeeeeeeeeeeeeeeeee"}), 404, "Bucket not found")


@case("listAlertRules", "200 lists rules for every key type", safe=True)
def test_list_rules(api, world, request):
    if not request.config.getoption("--read-only"):
        checks.ok(api.post("/api/alerts", {"bucketId": world.a, "dataSourceId": world.source_a, "name": "listed",
                                           "condition": "humidity is less than 30", "webhookUrl": HOOK}), 201)
    for key in (None, world.write_a, world.read_a):
        rules = checks.ok(api.get(f"/api/buckets/{world.a}/alerts", key=key))["alertRules"]
        assert any(r["name"] == "listed" for r in rules)
        for r in rules:
            assert {"_id", "name", "condition", "dataSourceId", "webhookUrl", "status", "cooldownMinutes",
                    "lastTriggeredAt", "createdAt"} <= set(r)


@case("listAlertRules", "rules trigger on ingest: lastTriggeredAt set", decision="decision 22")
def test_rule_triggers(api, factory, request):
    bid = factory.bucket()
    src = factory.source(bid, {"temperature": {"type": "number"}})
    rule = checks.ok(api.post("/api/alerts", {"bucketId": bid, "dataSourceId": src, "name": "hot",
                                              "condition": "temperature is greater than 30", "webhookUrl": HOOK}), 201)
    rid = rule["alertRule"]["_id"]

    def listed():
        return {r["_id"]: r for r in checks.ok(api.get(f"/api/buckets/{bid}/alerts"))["alertRules"]}[rid]
    checks.ok(api.post("/api/data", {"bucketId": bid, "dataSourceId": src, "values": {"temperature": 20}}), 201)
    assert listed()["lastTriggeredAt"] is None
    checks.ok(api.post("/api/data", {"bucketId": bid, "dataSourceId": src, "values": {"temperature": 31}}), 201)
    checks.recent(listed()["lastTriggeredAt"], request.config.getoption("--clock-tolerance"))


@case("listAlertRules", "404 unknown bucket, 400 malformed ID", safe=True)
def test_list_rules_errors(api):
    checks.error(api.get("/api/buckets/ffffffffffffffffffffffff/alerts"), 404, "Bucket not found")
    checks.error(api.get("/api/buckets/f/alerts"), 400, "Invalid bucket ID format")
