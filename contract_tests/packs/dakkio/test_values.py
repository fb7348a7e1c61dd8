"""The rule *values* for Dakkio: every field of every operation's success response, compared by value
with what this suite sent, created or computed (``contract_tests/values.py``; RULES.md).

Each test walks one resource on buckets of its own and states whole bodies: echoes of what it sent,
defaults (DESIGN 6, 10, 12, 16), counts and totals it can count, pagination it can compute from
its own buckets (oldest first, DESIGN 21), aggregations it computes from the values it ingested,
server timestamps between the instants around the request, generated ids and keys by their shape
on first sight and by value wherever they are echoed. ``tests/test_contract_suite.py`` fails when a
documented field is compared by no case.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from contract_tests import values as V
from contract_tests.values import ABSENT, Approx, Generated

from .contract import case

OID = r"[0-9a-fA-F]{24}"
RULE = "temperature is greater than 25"
PLUS2 = timezone(timedelta(hours=2))


@pytest.fixture
def timed(api, request):
    """``timed(method, path, ...) -> (response, Between)``: the request and the interval around it."""
    skew = request.config.getoption("--clock-tolerance")

    def send(method, path, *args, **kw):
        start = time.time()
        r = api.request(method, path, *args, **kw)
        return r, V.Between(start, time.time(), skew)
    return send


def iso(dt: datetime) -> str:
    """DESIGN 17: milliseconds only when not zero."""
    text = dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return (text[:-4] if text.endswith(".000") else text) + "Z"


def _organization(api) -> dict:
    return V.expect("getAnalyticsOverview", 200, api.get("/api/analytics/overview"), {})["overview"]["organization"]


@case("createBucket", "every field by value: create, get, list pages, delete with its cascade counts",
      decision="decision 21")
def test_bucket_fields(api, factory, timed):
    overview = api.get("/api/analytics/overview").json()["overview"]
    org, totals = overview["organization"], overview["totals"]
    total_before = api.get("/api/buckets", params={"limit": 1}).json()["pagination"]["total"]
    made = []
    for i in range(3):
        name, description = factory.name("values"), [f"walk {i}", None, ""][i]
        r, when = timed("POST", "/api/buckets", None, {"name": name, "description": description})
        body = V.expect("createBucket", 201, r, {"message": "Bucket created successfully", "bucket": {
            "_id": Generated(OID), "name": name, "description": description, "organizationId": org["_id"],
            "createdAt": when, "updatedAt": when, "stats": ABSENT}})
        made.append(body["bucket"])
    item = [{k: b[k] for k in ("_id", "name", "description", "createdAt", "updatedAt")} for b in made]
    for b in item:
        b.update(organizationId=ABSENT, stats=ABSENT)
    total = total_before + 3
    # pages of the run's own buckets: the last three of the list (creation order, DESIGN 21)
    for limit, offset, rows in ((1, total - 3, item[:1]), (2, total - 2, item[1:]), (5, total - 1, item[2:]),
                                (2, total, [])):
        page = api.get("/api/buckets", params={"limit": limit, "offset": offset})
        V.expect("listBuckets", 200, page, {"buckets": rows, "pagination": {
            "limit": limit, "offset": offset, "total": total, "hasMore": offset + len(rows) < total}})
    V.expect("listBuckets", 200, api.get("/api/buckets"), {"pagination": {"limit": 100, "offset": 0, "total": total}})

    bucket = made[0]
    get = {"bucket": {**{k: bucket[k] for k in ("_id", "name", "description", "organizationId", "createdAt")},
                      "updatedAt": V.Between(V.parse_time(bucket["createdAt"]), time.time())}}
    V.expect("getBucket", 200, api.get(f"/api/buckets/{bucket['_id']}"), {"bucket": {
        **get["bucket"], "stats": {"dataSourceCount": 0, "dataPointCount": 0, "apiKeyCount": 0}}})
    src = factory.source(bucket["_id"], {"t": {"type": "number"}})
    factory.key(bucket["_id"], "write")
    factory.key(bucket["_id"], "read")
    factory.batch(bucket["_id"], [{"dataSourceId": src, "timestamp": f"2024-03-01T00:00:{i:02d}Z", "values": {"t": i}}
                                  for i in range(7)])
    assert api.post("/api/alerts", {"bucketId": bucket["_id"], "dataSourceId": src, "name": "r", "condition": RULE,
                                    "webhookUrl": "https://example.com/hook"}).status_code == 201
    stats = {"dataSourceCount": 1, "dataPointCount": 7, "apiKeyCount": 2}
    V.expect("getBucket", 200, api.get(f"/api/buckets/{bucket['_id']}"), {"bucket": {**get["bucket"], "stats": stats}})
    V.expect("deleteBucket", 200, api.delete(f"/api/buckets/{bucket['_id']}"), {
        "message": "Bucket deleted successfully", "deletedBucket": {"_id": bucket["_id"], "name": bucket["name"]},
        "deletedResources": {"dataSources": 1, "dataPoints": 7, "apiKeys": 2, "alertRules": 1}})
    V.expect("getAnalyticsOverview", 200, api.get("/api/analytics/overview"), {"overview": {"totals": {
        **totals, "buckets": totals["buckets"] + 2}}})        # the cascade took everything of the deleted one


@case("createApiKey", "every field by value: create, list (lastUsedAt once used), delete", decision="decision 5")
def test_api_key_fields(api, factory, timed):
    bid = factory.bucket()
    keys = []
    for kind, letter in (("write", "w"), ("read", "r")):
        name = factory.name("key")
        r, when = timed("POST", f"/api/buckets/{bid}/keys", None, {"name": name, "type": kind})
        body = V.expect("createApiKey", 201, r, {"message": "API key created successfully", "apiKey": {
            "_id": Generated(OID), "name": name, "type": kind, "key": Generated(f"dakkio_{letter}_[a-z0-9]{{40}}"),
            "bucketId": bid, "createdAt": when, "lastUsedAt": ABSENT}})
        k = body["apiKey"]
        V.expect("createApiKey", 201, body, {"apiKey": {"keyPrefix": k["key"][:13] + "..."}})
        keys.append(k)
    used, used_at = timed("GET", f"/api/buckets/{bid}/sources", keys[1]["key"])
    assert used.status_code == 200, used.text
    listed = [{**{f: k[f] for f in ("_id", "name", "type", "keyPrefix", "bucketId", "createdAt")}, "key": ABSENT}
              for k in keys]
    listed[0]["lastUsedAt"], listed[1]["lastUsedAt"] = None, used_at
    V.expect("listApiKeys", 200, api.get(f"/api/buckets/{bid}/keys"), {"apiKeys": listed})
    k = keys[0]
    V.expect("deleteApiKey", 200, api.delete(f"/api/buckets/{bid}/keys/{k['_id']}"), {
        "message": "API key deleted successfully", "deletedKey": {"_id": k["_id"], "name": k["name"], "type": "write"}})
    V.expect("listApiKeys", 200, api.get(f"/api/buckets/{bid}/keys"), {"apiKeys": [listed[1]]})


@case("createDataSource", "every field by value: defaults and echoes on create, the list's shape", decision="decision 6")
def test_data_source_fields(api, factory, timed):
    bid = factory.bucket()
    schema = {"temperature": {"type": "number", "unit": "celsius", "description": "Temperature reading"},
              "on": {"type": "boolean"}}
    sent = [({"name": "DHT22", "schema": schema}, {"type": "sensor", "description": None, "downsampling": True}),
            ({"name": "feed", "schema": {}, "type": "application", "description": "weather", "downsampling": False},
             {}),
            ({"name": "quiet", "schema": {}, "description": ""}, {"type": "sensor", "downsampling": True})]
    made = []
    for body, defaults in sent:
        r, when = timed("POST", f"/api/buckets/{bid}/sources", None, body)
        want = {**body, **defaults}
        out = V.expect("createDataSource", 201, r, {"message": "Data source created successfully", "dataSource": {
            "_id": Generated(OID), "bucketId": bid, "name": want["name"], "type": want["type"],
            "description": want["description"], "schema": V.Exactly(want["schema"]),
            "downsampling": want["downsampling"], "status": "active", "createdAt": when, "updatedAt": when}})
        made.append(out["dataSource"])
    listed = [{**{f: s[f] for f in ("_id", "name", "type", "description", "status", "createdAt", "updatedAt")},
               "schema": V.Exactly(s["schema"]), "bucketId": ABSENT, "downsampling": ABSENT} for s in made]
    V.expect("listDataSources", 200, api.get(f"/api/buckets/{bid}/sources"), {"dataSources": listed})


@case("ingestData", "every field by value: ingest echoes, batch count, raw and aggregated query",
      decision="decision 9")
def test_data_fields(api, factory, timed):
    bid = factory.bucket()
    src = factory.source(bid, {"t": {"type": "number"}, "on": {"type": "boolean"}}, downsampling=False)
    other = factory.source(bid, {"t": {"type": "number"}}, downsampling=False)
    base = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    # (source, minute, microseconds, values, metadata): two sources interleaved in time; the first
    # point's time carries a fraction under the millisecond, truncated on the way in (DESIGN 17)
    sent = [(src, 0, 500_900, {"t": 20.5, "on": True}, {"room": "a"}), (other, 5, 0, {"t": 1.0}, None),
            (src, 10, 0, {"t": 21.5, "on": True}, None), (other, 65, 250_000, {"t": 3.0}, None),
            (src, 70, 0, {"t": 30.0, "on": True}, {})]
    points = []
    for source, minute, micros, vals, meta in sent:
        at = base + timedelta(minutes=minute, microseconds=micros)
        stamped = at.astimezone(PLUS2).isoformat(timespec="microseconds")    # an offset in, UTC Z out
        body = {"bucketId": bid, "dataSourceId": source, "timestamp": stamped, "values": vals}
        if meta is not None:
            body["metadata"] = meta
        r, when = timed("POST", "/api/data", None, body)
        out = V.expect("ingestData", 201, r, {"message": "Data point ingested successfully", "dataPoint": {
            "_id": Generated(OID), "bucketId": bid, "dataSourceId": source,
            "timestamp": iso(at.replace(microsecond=at.microsecond // 1000 * 1000)),
            "values": V.Exactly(vals), "metadata": V.Exactly(meta or {}), "createdAt": when}})
        points.append(out["dataPoint"])
    batch = [{"dataSourceId": src, "timestamp": iso(base + timedelta(days=1, minutes=i)), "values": {"t": float(i)}}
             for i in range(4)]
    V.expect("batchIngestData", 201, api.post("/api/data/batch", {"bucketId": bid, "dataPoints": batch}),
             {"message": "Batch data ingested successfully", "insertedCount": 4})
    window = {"startTime": iso(base), "endTime": iso(base + timedelta(hours=2))}
    V.expect("queryData", 200, api.post("/api/data/query", {"bucketId": bid, "filters": window}), {
        "data": V.Exactly(points), "metadata": {"count": 5, "total": 5, "limit": 100, "offset": 0, "hasMore": False,
                                                "downsamplingApplied": False, "aggregation": ABSENT,
                                                "groupBy": ABSENT}})
    for offset in range(6):                 # every page of two, over both sources: a slice of the whole
        page = points[offset:offset + 2]
        V.expect("queryData", 200, api.post("/api/data/query", {"bucketId": bid,
                                                                "filters": {**window, "limit": 2, "offset": offset}}),
                 {"data": V.Exactly(page) if page else [], "metadata": {
                     "count": len(page), "total": 5, "limit": 2, "offset": offset, "hasMore": offset + len(page) < 5}})
    mine = [p for p in points if p["dataSourceId"] == src]
    V.expect("queryData", 200, api.post("/api/data/query", {"bucketId": bid, "dataSourceId": src,
                                                            "filters": {**window, "limit": 1, "offset": 1}}),
             {"data": V.Exactly(mine[1:2]), "metadata": {"count": 1, "total": 3, "limit": 1, "offset": 1,
                                                         "hasMore": True}})
    groups: dict = {}
    for p in points:                        # by hour, then by data source (DESIGN 20)
        hour = p["timestamp"][:13] + ":00:00Z"
        groups.setdefault((hour, p["dataSourceId"]), []).append(p["values"]["t"])
    rows = [{"timestamp": hour, "dataSourceId": source, "values": {"t": Approx(statistics.fmean(v))}, "count": len(v)}
            for (hour, source), v in sorted(groups.items())]
    V.expect("queryData", 200, api.post("/api/data/query", {"bucketId": bid, "filters": window,
                                                            "aggregation": "avg", "groupBy": "hour"}),
             {"data": rows, "metadata": {"count": len(rows), "total": len(rows), "limit": 100, "offset": 0,
                                         "hasMore": False, "downsamplingApplied": False, "aggregation": "avg",
                                         "groupBy": "hour"}})
    V.expect("queryData", 200, api.post("/api/data/query", {"bucketId": bid, "filters": {**window, "limit": 1},
                                                            "aggregation": "avg", "groupBy": "hour"}),
             {"data": rows[:1], "metadata": {"count": 1, "total": len(rows), "limit": 1, "offset": 0, "hasMore": True,
                                            "aggregation": "avg", "groupBy": "hour"}})


@case("createAlertRule", "every field by value: parsed condition, defaults, the list with lastTriggeredAt",
      decision="decision 10")
def test_alert_fields(api, factory, timed):
    bid = factory.bucket()
    src = factory.source(bid, {"temperature": {"type": "number"}})
    made = []
    for name, condition, parsed, cooldown in (
            ("hot", RULE, {"field": "temperature", "operator": "gt", "value": 25, "durationMinutes": ABSENT}, None),
            ("cold for long", "temperature is below 5.5 for 2 hours",
             {"field": "temperature", "operator": "lt", "value": 5.5, "durationMinutes": 120}, 15)):
        body = {"bucketId": bid, "dataSourceId": src, "name": name, "condition": condition,
                "webhookUrl": "https://example.com/hook"}
        if cooldown is not None:
            body["cooldownMinutes"] = cooldown
        r, when = timed("POST", "/api/alerts", None, body)
        out = V.expect("createAlertRule", 201, r, {"message": "Alert rule created successfully", "alertRule": {
            "_id": Generated(OID), "bucketId": bid, "dataSourceId": src, "name": name, "condition": condition,
            "parsedCondition": parsed, "webhookUrl": body["webhookUrl"], "status": "active",
            "cooldownMinutes": 5 if cooldown is None else cooldown, "lastTriggeredAt": ABSENT, "createdAt": when}})
        made.append(out["alertRule"])
    r, fired = timed("POST", "/api/data", None, {"bucketId": bid, "dataSourceId": src, "values": {"temperature": 30}})
    assert r.status_code == 201, r.text
    listed = [{**{f: a[f] for f in ("_id", "dataSourceId", "name", "condition", "webhookUrl", "status",
                                    "cooldownMinutes", "createdAt")}, "bucketId": ABSENT, "parsedCondition": ABSENT}
              for a in made]
    listed[0]["lastTriggeredAt"], listed[1]["lastTriggeredAt"] = fired, None
    V.expect("listAlertRules", 200, api.get(f"/api/buckets/{bid}/alerts"), {"alertRules": listed})


@case("getBucketAnalytics", "every field by value: summary, per-source stats, hours, alert activity",
      decision="decision 22")
def test_bucket_analytics_fields(api, factory, timed):
    name = factory.name("analytics")
    bid = api.post("/api/buckets", {"name": name}).json()["bucket"]["_id"]
    src = api.post(f"/api/buckets/{bid}/sources", {"name": "probe", "schema": {"t": {"type": "number"}}}).json()["dataSource"]
    empty = api.post(f"/api/buckets/{bid}/sources", {"name": "idle", "schema": {}}).json()["dataSource"]
    old = api.post(f"/api/buckets/{bid}/sources", {"name": "old", "schema": {"t": {"type": "number"}}}).json()["dataSource"]
    rule = {"bucketId": bid, "dataSourceId": src["_id"], "name": "over 25", "condition": "t is greater than 25",
            "webhookUrl": "https://example.com/hook"}
    assert api.post("/api/alerts", rule).status_code == 201
    now = datetime.now(UTC).replace(microsecond=0)
    ages = [(timedelta(minutes=90), 10.0), (timedelta(minutes=100), 30.0), (timedelta(days=3), 20.0),
            (timedelta(days=5), 15.0), (timedelta(days=10), 99.0)]      # 4 in the week: 4/7 rounds up to 1
    r = api.post("/api/data/batch", {"bucketId": bid, "dataPoints": [
        {"dataSourceId": src["_id"], "timestamp": iso(now - age), "values": {"t": t}} for age, t in ages]
        + [{"dataSourceId": old["_id"], "timestamp": iso(now - timedelta(days=30)), "values": {"t": 1.0}}]})
    assert r.status_code == 201, r.text
    in_week = [(now - age, t) for age, t in ages if age <= timedelta(days=7)]
    hours: dict = {}
    for at, _ in in_week:
        hour = iso(at.replace(minute=0, second=0))
        hours[hour] = hours.get(hour, 0) + 1
    values = [t for _, t in in_week]
    V.expect("getBucketAnalytics", 200, api.get(f"/api/analytics/buckets/{bid}", params={"period": "7d"}), {
        "analytics": {
            "bucket": {"_id": bid, "name": name}, "period": "7d",
            "summary": {"totalDataPoints": 6, "dataPointsInPeriod": 4, "avgDataPointsPerDay": 1, "dataSources": 3,
                        "activeAlerts": 1},
            "dataSourceStats": V.Where("_id", only=True, expected=[
                {"_id": src["_id"], "name": "probe", "dataPointCount": 4, "lastDataPoint": iso(now - ages[0][0]),
                 "avgValues": {"t": Approx(statistics.fmean(values))}, "minValues": V.Exactly({"t": min(values)}),
                 "maxValues": V.Exactly({"t": max(values)})},
                {"_id": empty["_id"], "name": "idle", "dataPointCount": 0, "lastDataPoint": None,
                 "avgValues": V.Exactly({}), "minValues": V.Exactly({}), "maxValues": V.Exactly({})},
                {"_id": old["_id"], "name": "old", "dataPointCount": 0, "lastDataPoint": iso(now - timedelta(days=30)),
                 "avgValues": V.Exactly({}), "minValues": V.Exactly({}), "maxValues": V.Exactly({})}]),
            "ingestionRate": {"dataPointsPerHour": [{"hour": h, "count": c} for h, c in sorted(hours.items())]},
            "alertActivity": {"totalTriggered": 1, "byRule": [{"name": "over 25", "count": 1}]}}})
    assert api.delete(f"/api/buckets/{bid}").status_code == 200


PLANS = {"Pro": {"name": "Pro", "maxBuckets": 25, "maxRetentionDays": 365, "maxApiCalls": 1_000_000}}  # the docs' table


@case("getAnalyticsOverview", "every field by value: totals, usage and recent activity as deltas of this run",
      decision="decision 14")
def test_overview_fields(api, factory, timed):
    before = V.expect("getAnalyticsOverview", 200, api.get("/api/analytics/overview"), {})["overview"]
    bid = factory.bucket()
    src = factory.source(bid, {"x": {"type": "number"}})
    factory.key(bid, "read")
    assert api.post("/api/alerts", {"bucketId": bid, "dataSourceId": src, "name": "r", "condition": "x is above 2",
                                    "webhookUrl": "https://example.com/hook"}).status_code == 201
    r, ingested = timed("POST", "/api/data/batch", None, {"bucketId": bid, "dataPoints": [
        {"dataSourceId": src, "values": {"x": v}, **({"timestamp": "2020-01-01T00:00:00Z"} if v == 1 else {})}
        for v in (1, 2, 3)]})
    assert r.status_code == 201, r.text
    calls = 6                           # bucket, source, key, alert, batch and this overview (DESIGN 14)
    r = api.get("/api/analytics/overview")
    after = r.json()["overview"]
    t, u = before["totals"], before["usage"]
    limit = after["plan"]["maxApiCalls"]
    this_month = u["apiCallsThisMonth"] + calls
    V.expect("getAnalyticsOverview", 200, r, {"overview": {
        "organization": before["organization"] | {},
        "totals": {"buckets": t["buckets"] + 1, "dataSources": t["dataSources"] + 1,
                   "dataPoints": t["dataPoints"] + 3, "alertRules": t["alertRules"] + 1, "apiKeys": t["apiKeys"] + 1},
        "usage": {"apiCallsThisMonth": this_month, "apiCallsLimit": limit,
                  "apiCallsPercentage": round(100 * this_month / limit, 1),
                  "storageUsedBytes": V.Grew(u["storageUsedBytes"]),
                  "storageUsedFormatted": formatted(after["usage"]["storageUsedBytes"])},
        "plan": PLANS.get(after["plan"]["name"], {"maxApiCalls": after["usage"]["apiCallsLimit"]}),
        "recentActivity": {"lastDataIngestion": ingested, "lastAlertTriggered": ingested,
                           "dataPointsLast24h": before["recentActivity"]["dataPointsLast24h"] + 3,
                           "alertsTriggeredLast24h": before["recentActivity"]["alertsTriggeredLast24h"] + 1}}})
    assert before["organization"]["_id"] == api.get(f"/api/buckets/{bid}").json()["bucket"]["organizationId"]


def formatted(n: int) -> str:
    """The docs' example: 52428800 -> "50 MB" (binary multiples, one decimal when not whole)."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    raise AssertionError("unreachable")
