"""Unit tests of bucket analytics and the organisation overview (services.analytics, views) (no HTTP)."""

import pytest

from mock_server.core import timeutil
from mock_server.profiles.dakkio import views
from mock_server.profiles.dakkio.services import alerts, analytics, api_keys, buckets, ingest

from .dakkio_support import _pt, _source, clock_fixture, state_fixture  # noqa: F401  (fixtures)


def _bucket_analytics(state, b, period) -> dict:
    return views.bucket_analytics(analytics.bucket(state, b, period))


def test_bucket_analytics_from_stored_data(state, clock):
    b = buckets.create(state, "b", None)
    src = _source(state, b, {"t": {"type": "number"}})
    empty = _source(state, b)
    now = clock.t
    pts = [_pt(src, timeutil.format(now - h * 3_600_000), t=float(h)) for h in (0, 1, 1, 30)]
    pts.append(_pt(src, timeutil.format(now - 10 * 86_400_000), t=100.0))   # outside 7d
    ingest.ingest(state, b, pts)
    rule = alerts.create(state, b, src.id, "hot", "t > 50", "https://x.test", 0)
    ingest.ingest(state, b, [_pt(src, timeutil.format(now), t=60.0)])
    a = _bucket_analytics(state, b, "7d")
    assert a["summary"] == {"totalDataPoints": 6, "dataPointsInPeriod": 5, "avgDataPointsPerDay": 1,
                            "dataSources": 2, "activeAlerts": 1}
    s = a["dataSourceStats"][0]
    assert s["dataPointCount"] == 5 and s["minValues"] == {"t": 0.0} and s["maxValues"] == {"t": 60.0}
    assert s["avgValues"]["t"] == pytest.approx((0 + 1 + 1 + 30 + 60) / 5)
    assert s["lastDataPoint"] == timeutil.format(now)
    assert a["dataSourceStats"][1] == {"_id": empty.id, "name": "s", "dataPointCount": 0, "lastDataPoint": None,
                                        "avgValues": {}, "minValues": {}, "maxValues": {}}
    hours = a["ingestionRate"]["dataPointsPerHour"]
    assert [h["count"] for h in hours] == [1, 2, 2] and hours == sorted(hours, key=lambda h: h["hour"])
    assert a["alertActivity"] == {"totalTriggered": 1, "byRule": [{"name": rule.name, "count": 1}]}
    assert _bucket_analytics(state, b, "24h")["summary"]["dataPointsInPeriod"] == 4


def test_overview_counts(state):
    b = buckets.create(state, "b", None)
    api_keys.add(state, "write", "w", b.id)
    src = _source(state, b)
    ingest.ingest(state, b, [_pt(src)])
    o = views.overview(analytics.overview(state))
    assert o["totals"] == {"buckets": 1, "dataSources": 1, "dataPoints": 1, "alertRules": 0, "apiKeys": 1}
    assert o["recentActivity"]["lastDataIngestion"] == "2024-01-15T10:00:00Z"
    assert o["recentActivity"]["lastAlertTriggered"] is None
    assert o["recentActivity"]["dataPointsLast24h"] == 1
