"""Analytics: /api-reference/analytics/*."""

from datetime import UTC, datetime, timedelta

import pytest

from . import checks
from .contract import case


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@pytest.fixture
def seeded(api, factory):
    """A bucket with points 1 h, 2 h, 3 days and 10 days old, and one empty source."""
    bid = factory.bucket()
    src = factory.source(bid, {"t": {"type": "number"}, "on": {"type": "boolean"}})
    empty = factory.source(bid, {})
    now = datetime.now(UTC)
    ages = [timedelta(hours=1), timedelta(hours=2), timedelta(days=3), timedelta(days=10)]
    factory.batch(bid, [{"dataSourceId": src, "timestamp": iso(now - a), "values": {"t": float(i * 10), "on": True}}
                        for i, a in enumerate(ages)])
    return bid, src, empty


@case("getBucketAnalytics", "period filters by point time; stats per source", decision="decision 22")
def test_bucket_analytics(api, seeded):
    bid, src, empty = seeded
    a = checks.ok(api.get(f"/api/analytics/buckets/{bid}", params={"period": "7d"}))["analytics"]
    assert a["period"] == "7d" and a["bucket"]["_id"].lower() == bid.lower()
    s = a["summary"]
    assert (s["totalDataPoints"], s["dataPointsInPeriod"], s["dataSources"], s["activeAlerts"]) == (4, 3, 2, 0)
    assert s["avgDataPointsPerDay"] == 0                       # 3 / 7 rounds to 0
    stats = {x["_id"].lower(): x for x in a["dataSourceStats"]}
    mine = stats[src.lower()]
    assert mine["dataPointCount"] == 3
    assert mine["minValues"] == {"t": 0.0} and mine["maxValues"] == {"t": 20.0}
    assert checks.close(mine["avgValues"]["t"], 10.0)
    checks.recent(mine["lastDataPoint"], 3600 + 600)
    assert stats[empty.lower()]["dataPointCount"] == 0 and stats[empty.lower()]["lastDataPoint"] is None
    hours = a["ingestionRate"]["dataPointsPerHour"]
    assert sum(h["count"] for h in hours) == 3 and [h["hour"] for h in hours] == sorted(h["hour"] for h in hours)
    day = checks.ok(api.get(f"/api/analytics/buckets/{bid}", params={"period": "24h"}))["analytics"]["summary"]
    assert (day["dataPointsInPeriod"], day["avgDataPointsPerDay"]) == (2, 2)
    assert checks.ok(api.get(f"/api/analytics/buckets/{bid}"))["analytics"]["period"] == "7d"


@case("getBucketAnalytics", "any key type of the bucket may read analytics", safe=True)
def test_analytics_keys(api, world):
    for key in (None, world.write_a, world.read_a):
        checks.ok(api.get(f"/api/analytics/buckets/{world.a}", key=key))


@case("getBucketAnalytics", "400 unknown period or malformed ID; 404 unknown bucket", safe=True)
def test_analytics_errors(api, world):
    checks.error(api.get(f"/api/analytics/buckets/{world.a}", params={"period": "1y"}), 400, path=["query", "period"])
    checks.error(api.get("/api/analytics/buckets/xyz"), 400, "Invalid bucket ID format")
    checks.error(api.get("/api/analytics/buckets/abababababababababababab"), 404, "Bucket not found")


@case("getAnalyticsOverview", "200 totals grow by what this run created")
def test_overview(api, factory):
    before = checks.ok(api.get("/api/analytics/overview"))["overview"]
    bid = factory.bucket()
    src = factory.source(bid, {})
    factory.key(bid, "read")
    factory.batch(bid, [{"dataSourceId": src, "values": {"x": 1}}] * 3)
    after = checks.ok(api.get("/api/analytics/overview"))["overview"]
    for field, delta in (("buckets", 1), ("dataSources", 1), ("apiKeys", 1), ("dataPoints", 3)):
        assert after["totals"][field] - before["totals"][field] == delta, field
    u = after["usage"]
    assert u["apiCallsThisMonth"] > before["usage"]["apiCallsThisMonth"]
    assert checks.close(u["apiCallsPercentage"], round(100 * u["apiCallsThisMonth"] / u["apiCallsLimit"], 1), abs_tol=0.11)
    assert after["recentActivity"]["dataPointsLast24h"] - before["recentActivity"]["dataPointsLast24h"] == 3
    checks.recent(after["recentActivity"]["lastDataIngestion"])


@case("getAnalyticsOverview", "200 shape", safe=True)
def test_overview_shape(api):
    o = checks.ok(api.get("/api/analytics/overview"))["overview"]
    assert set(o) >= {"organization", "totals", "usage", "plan", "recentActivity"}
    assert checks.OBJECT_ID.match(o["organization"]["_id"])
