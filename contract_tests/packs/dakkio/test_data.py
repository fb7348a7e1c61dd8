"""Data: ingest, batch, query (/api-reference/data/*)."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from . import checks
from .contract import case

MISSING = "dddddddddddddddddddddddd"
T0 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def fresh(factory):
    """A bucket of its own with a write key and one numeric source (downsampling off unless asked)."""
    bid = factory.bucket()
    w = factory.key(bid, "write")["key"]
    src = factory.source(bid, {"t": {"type": "number"}, "h": {"type": "number"}, "mode": {"type": "string"}},
                         downsampling=False)
    return bid, w, src


def query(api, bid, key=None, **body):
    return checks.ok(api.post("/api/data/query", {"bucketId": bid, **body}, key=key))


@case("ingestData", "201 returns the stored point; query returns it")
def test_ingest_round_trip(api, fresh, request):
    bid, w, src = fresh
    sent = {"bucketId": bid, "dataSourceId": src, "timestamp": "2024-01-15T10:30:00Z",
            "values": {"t": 22.5, "h": 65, "mode": "auto"}, "metadata": {"deviceId": "ESP32-001", "batteryLevel": 85}}
    body = checks.ok(api.post("/api/data", sent, key=w), 201)
    assert body["message"] == "Data point ingested successfully"
    p = body["dataPoint"]
    assert p["values"] == sent["values"] and p["metadata"] == sent["metadata"]
    assert p["timestamp"] == "2024-01-15T10:30:00Z" and p["bucketId"].lower() == bid.lower()
    checks.recent(p["createdAt"], request.config.getoption("--clock-tolerance"))
    q = query(api, bid)
    assert q["data"] == [p]
    assert q["metadata"]["count"] == 1 and q["metadata"]["downsamplingApplied"] is False


@case("ingestData", "timestamps stored in UTC, milliseconds kept", decision="decision 7")
def test_timestamps_utc(api, fresh):
    bid, w, src = fresh
    cases = {"2024-01-15T12:30:00+02:00": "2024-01-15T10:30:00Z", "2024-01-15T10:30:00.123Z": "2024-01-15T10:30:00.123Z",
             "2024-01-15T05:00:00.5-05:00": "2024-01-15T10:00:00.500Z"}
    for sent, expected in cases.items():
        p = checks.ok(api.post("/api/data", {"bucketId": bid, "dataSourceId": src, "timestamp": sent, "values": {"t": 1}},
                               key=w), 201)["dataPoint"]
        assert p["timestamp"] == expected, (sent, p["timestamp"])


@case("ingestData", "timestamp defaults to now")
def test_default_timestamp(api, fresh, request):
    bid, w, src = fresh
    p = checks.ok(api.post("/api/data", {"bucketId": bid, "dataSourceId": src, "values": {"t": 1}}, key=w), 201)["dataPoint"]
    checks.recent(p["timestamp"], request.config.getoption("--clock-tolerance"))


@case("ingestData", "400 missing bucketId (docs example)")
def test_ingest_missing_bucket(api, fresh):
    bid, w, src = fresh
    body = checks.error(api.post("/api/data", {"dataSourceId": src, "values": {"t": 1}}, key=w), 400,
                        "Invalid request parameters", ["body", "bucketId"])
    assert {"path": ["body", "bucketId"], "message": "Expected string, received undefined"} in body["details"]


@case("ingestData", "400 bad IDs, timestamps, values", decision="decision 19")
def test_ingest_bad_input(api, fresh):
    bid, w, src = fresh
    base = {"bucketId": bid, "dataSourceId": src, "values": {"t": 1}}
    checks.error(api.post("/api/data", {**base, "bucketId": "xyz"}, key=w), 400, "Invalid request parameters", ["body", "bucketId"])
    checks.error(api.post("/api/data", {**base, "dataSourceId": "xyz"}, key=w), 400, path=["body", "dataSourceId"])
    for bad in ("15/01/2024", "2024-01-15", "yesterday", 1705318200000):
        checks.error(api.post("/api/data", {**base, "timestamp": bad}, key=w), 400, path=["body", "timestamp"])
    checks.error(api.post("/api/data", {**base, "values": {}}, key=w), 400, path=["body", "values"])
    checks.error(api.post("/api/data", {**base, "values": "22.5"}, key=w), 400, path=["body", "values"])
    checks.error(api.post("/api/data", {**base, "values": {"t": None}}, key=w), 400, path=["body", "values", "t"])
    checks.error(api.post("/api/data", {**base, "metadata": "x"}, key=w), 400, path=["body", "metadata"])


@case("ingestData", "400 value contradicting the source schema", decision="decision 7")
def test_ingest_schema_mismatch(api, fresh):
    bid, w, src = fresh
    base = {"bucketId": bid, "dataSourceId": src}
    checks.error(api.post("/api/data", {**base, "values": {"t": "hot"}}, key=w), 400, path=["body", "values", "t"])
    checks.error(api.post("/api/data", {**base, "values": {"mode": 3}}, key=w), 400, path=["body", "values", "mode"])
    checks.ok(api.post("/api/data", {**base, "values": {"unlisted": True}}, key=w), 201)
    assert query(api, bid)["metadata"]["total"] == 1


@case("ingestData", "404 unknown bucket or data source")
def test_ingest_not_found(api, fresh, world):
    bid, w, src = fresh
    checks.error(api.post("/api/data", {"bucketId": MISSING, "dataSourceId": src, "values": {"t": 1}}), 404, "Bucket not found")
    checks.error(api.post("/api/data", {"bucketId": bid, "dataSourceId": MISSING, "values": {"t": 1}}, key=w), 404,
                 "Data source not found")
    checks.error(api.post("/api/data", {"bucketId": bid, "dataSourceId": world.source_b, "values": {"t": 1}}, key=w), 404,
                 "Data source not found")


def _points(src, n, start=T0, step=timedelta(minutes=1), **values):
    return [{"dataSourceId": src, "timestamp": iso(start + i * step), "values": {"t": float(i), **values}} for i in range(n)]


@case("batchIngestData", "1 and 1000 points accepted; insertedCount", decision="decision 8")
@pytest.mark.parametrize("n", [1, 1000])
def test_batch_sizes_ok(api, fresh, n):
    bid, w, src = fresh
    body = checks.ok(api.post("/api/data/batch", {"bucketId": bid, "dataPoints": _points(src, n)}, key=w), 201)
    assert body == {"message": "Batch data ingested successfully", "insertedCount": n}
    assert checks.ok(api.get(f"/api/buckets/{bid}"))["bucket"]["stats"]["dataPointCount"] == n


@case("batchIngestData", "0 and 1001 points rejected")
@pytest.mark.parametrize("n", [0, 1001])
def test_batch_sizes_rejected(api, fresh, n):
    bid, w, src = fresh
    checks.error(api.post("/api/data/batch", {"bucketId": bid, "dataPoints": _points(src, n)}, key=w), 400,
                 path=["body", "dataPoints"])
    assert checks.ok(api.get(f"/api/buckets/{bid}"))["bucket"]["stats"]["dataPointCount"] == 0


@case("batchIngestData", "all or nothing: one bad point stores nothing", decision="decision 8")
def test_batch_atomic(api, fresh):
    bid, w, src = fresh
    bad_value = _points(src, 10)
    bad_value[7]["values"]["t"] = "oops"
    checks.error(api.post("/api/data/batch", {"bucketId": bid, "dataPoints": bad_value}, key=w), 400,
                 path=["body", "dataPoints", 7, "values", "t"])
    bad_source = _points(src, 10)
    bad_source[9]["dataSourceId"] = MISSING
    checks.error(api.post("/api/data/batch", {"bucketId": bid, "dataPoints": bad_source}, key=w), 404, "Data source not found")
    bad_shape = _points(src, 10)
    bad_shape[4]["timestamp"] = "not a time"
    checks.error(api.post("/api/data/batch", {"bucketId": bid, "dataPoints": bad_shape}, key=w), 400,
                 path=["body", "dataPoints", 4, "timestamp"])
    assert query(api, bid)["metadata"]["total"] == 0
    assert checks.ok(api.get(f"/api/buckets/{bid}"))["bucket"]["stats"]["dataPointCount"] == 0


# Every refusal of one point, as ingest and as a batch's last point (small and large batches alike):
# (name, what the point gets, status, detail path under the point or message)
REFUSALS = [("string for a number", {"values": {"t": "hot"}}, 400, ["values", "t"]),
            ("number for a string", {"values": {"mode": 3}}, 400, ["values", "mode"]),
            ("boolean for a number", {"values": {"t": True}}, 400, ["values", "t"]),
            ("unparseable timestamp", {"timestamp": "not a time"}, 400, ["timestamp"]),
            ("unknown data source", {"dataSourceId": MISSING}, 404, "Data source not found"),
            ("another bucket's data source", {"dataSourceId": "world.source_b"}, 404, "Data source not found")]


def _refused(r, status, where, prefix):
    if isinstance(where, str):
        checks.error(r, status, where)
    else:
        checks.error(r, status, path=[*prefix, *where])


@case("ingestData", "each refusal of a point, as a single point", decision="decision 7")
@pytest.mark.parametrize("edit,status,where", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_ingest_refuses(api, fresh, world, edit, status, where):
    bid, w, src = fresh
    point = {**_points(src, 1)[0], **edit}
    point["dataSourceId"] = world.source_b if point["dataSourceId"] == "world.source_b" else point["dataSourceId"]
    _refused(api.post("/api/data", {"bucketId": bid, **point}, key=w), status, where, ["body"])
    assert query(api, bid)["metadata"]["total"] == 0


@case("batchIngestData", "each refusal of a point, as a batch's last point: nothing stored", decision="decision 8")
@pytest.mark.parametrize("size", [3, 50])
@pytest.mark.parametrize("edit,status,where", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_batch_refuses(api, fresh, world, edit, status, where, size):
    bid, w, src = fresh
    points = _points(src, size)
    points[-1].update(edit)
    if points[-1]["dataSourceId"] == "world.source_b":
        points[-1]["dataSourceId"] = world.source_b
    _refused(api.post("/api/data/batch", {"bucketId": bid, "dataPoints": points}, key=w), status, where,
             ["body", "dataPoints", size - 1])
    assert query(api, bid)["metadata"]["total"] == 0


@case("batchIngestData", "a batch may mix data sources of the bucket")
def test_batch_mixed_sources(api, factory, fresh):
    bid, w, src = fresh
    other = factory.source(bid, {}, downsampling=False)
    pts = _points(src, 3) + _points(other, 2)
    checks.ok(api.post("/api/data/batch", {"bucketId": bid, "dataPoints": pts}, key=w), 201)
    assert query(api, bid, dataSourceId=other)["metadata"]["total"] == 2
    assert query(api, bid)["metadata"]["total"] == 5


@case("queryData", "raw points oldest first, time range inclusive, source filter", decision="decision 20")
def test_query_range(api, factory, fresh):
    bid, w, src = fresh
    other = factory.source(bid, {}, downsampling=False)
    pts = _points(src, 10)
    factory.batch(bid, list(reversed(pts)) + _points(other, 3, start=T0 + timedelta(seconds=30)), key=w)
    q = query(api, bid, dataSourceId=src, filters={"startTime": iso(T0 + timedelta(minutes=2)),
                                                   "endTime": iso(T0 + timedelta(minutes=5))})
    assert [p["timestamp"] for p in q["data"]] == [iso(T0 + timedelta(minutes=m)) for m in (2, 3, 4, 5)]
    assert [p["values"]["t"] for p in q["data"]] == [2.0, 3.0, 4.0, 5.0]
    assert all(p["dataSourceId"].lower() == src.lower() for p in q["data"])
    both = query(api, bid)
    times = [checks.parse_ts(p["timestamp"]) for p in both["data"]]
    assert times == sorted(times) and both["metadata"]["total"] == 13


@case("queryData", "limit/offset paging with true total and hasMore", decision="decision 20")
def test_query_paging(api, factory, fresh):
    bid, w, src = fresh
    factory.batch(bid, _points(src, 25), key=w)
    seen = []
    for offset in (0, 10, 20):
        q = query(api, bid, filters={"limit": 10, "offset": offset})
        m = q["metadata"]
        assert (m["count"], m["total"], m["limit"], m["offset"], m["hasMore"]) == (len(q["data"]), 25, 10, offset, offset < 15)
        seen += [p["_id"] for p in q["data"]]
    assert len(seen) == 25 == len(set(seen))
    assert query(api, bid)["metadata"]["limit"] == 100
    checks.error(api.post("/api/data/query", {"bucketId": bid, "filters": {"limit": 0}}), 400, path=["body", "filters", "limit"])
    checks.error(api.post("/api/data/query", {"bucketId": bid, "filters": {"limit": 1001}}), 400,
                 path=["body", "filters", "limit"])
    assert query(api, bid, filters={"limit": 1000})["metadata"]["count"] == 25


def _reference(values, how):
    if how == "avg":
        return sum(values) / len(values)
    return {"min": min, "max": max, "sum": sum, "count": len}[how](values)


@case("queryData", "each aggregation by hour over numeric fields only", decision="decision 9")
@pytest.mark.parametrize("how", ["avg", "min", "max", "sum", "count"])
def test_aggregations(api, factory, fresh, how):
    bid, w, src = fresh
    pts = _points(src, 150, step=timedelta(minutes=1), mode="auto")       # 10:00 .. 12:29
    for i, p in enumerate(pts):
        p["values"]["h"] = 40 + (i % 7) * 1.5
        if i % 10 == 0:
            del p["values"]["h"]
    factory.batch(bid, pts, key=w)
    q = query(api, bid, aggregation=how, groupBy="hour")
    assert [r["timestamp"] for r in q["data"]] == ["2024-01-15T10:00:00Z", "2024-01-15T11:00:00Z", "2024-01-15T12:00:00Z"]
    assert [r["count"] for r in q["data"]] == [60, 60, 30]
    for row, hour in zip(q["data"], range(3), strict=True):
        group = [p["values"] for p in pts[hour * 60:(hour + 1) * 60]]
        assert set(row["values"]) == {"t", "h"}, "strings are not aggregated"
        for field in ("t", "h"):
            expected = _reference([v[field] for v in group if field in v], how)
            assert checks.close(row["values"][field], expected), (how, field, row["values"][field], expected)
    assert q["metadata"]["downsamplingApplied"] is False


@case("queryData", "intervals aligned to UTC: day, week from Monday, month on the 1st", decision="decision 20")
def test_calendar_intervals(api, factory, fresh):
    bid, w, src = fresh
    stamps = ["2024-01-31T23:59:59Z", "2024-02-01T00:00:00Z", "2024-02-04T12:00:00Z", "2024-02-05T00:00:00Z"]
    factory.batch(bid, [{"dataSourceId": src, "timestamp": t, "values": {"t": i}} for i, t in enumerate(stamps)], key=w)
    day = query(api, bid, aggregation="count", groupBy="day")["data"]
    assert [r["timestamp"] for r in day] == ["2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z", "2024-02-04T00:00:00Z",
                                             "2024-02-05T00:00:00Z"]
    week = query(api, bid, aggregation="sum", groupBy="week")["data"]
    assert [(r["timestamp"], r["count"]) for r in week] == [("2024-01-29T00:00:00Z", 3), ("2024-02-05T00:00:00Z", 1)]
    month = query(api, bid, aggregation="max", groupBy="month")["data"]
    assert [(r["timestamp"], r["values"]["t"]) for r in month] == [("2024-01-01T00:00:00Z", 0), ("2024-02-01T00:00:00Z", 3)]
    minute = query(api, bid, aggregation="min", groupBy="minute")["data"]
    assert len(minute) == 4


@case("queryData", "automatic downsampling over 500 points", decision="decision 9")
def test_downsampling(api, factory, fresh):
    bid, w, _ = fresh
    src = factory.source(bid, {"t": {"type": "number"}})            # downsampling defaults to true
    factory.batch(bid, _points(src, 600, step=timedelta(minutes=1)), key=w)
    q = query(api, bid, dataSourceId=src)
    m = q["metadata"]
    assert m["downsamplingApplied"] is True and m["total"] == 10 and m["count"] == 10   # 600 minutes -> 10 hours
    assert all(r["count"] == 60 for r in q["data"])
    assert checks.close(q["data"][0]["values"]["t"], sum(range(60)) / 60)
    small = query(api, bid, dataSourceId=src, filters={"endTime": iso(T0 + timedelta(minutes=499))})
    assert small["metadata"]["downsamplingApplied"] is False and small["metadata"]["total"] == 500
    explicit = query(api, bid, dataSourceId=src, aggregation="avg", groupBy="minute", filters={"limit": 1000})
    assert explicit["metadata"]["downsamplingApplied"] is False and explicit["metadata"]["total"] == 600


@case("queryData", "no downsampling when the source turns it off", decision="decision 9")
def test_downsampling_off(api, factory, fresh):
    bid, w, src = fresh                                                # downsampling false
    factory.batch(bid, _points(src, 600), key=w)
    q = query(api, bid, filters={"limit": 1000})
    assert q["metadata"]["downsamplingApplied"] is False and q["metadata"]["total"] == 600


@case("queryData", "400 startTime after endTime, aggregation without groupBy", decision="decision 9")
def test_query_errors(api, fresh):
    bid, w, src = fresh
    r = api.post("/api/data/query", {"bucketId": bid, "filters": {"startTime": iso(T0), "endTime": iso(T0 - timedelta(1))}})
    checks.error(r, 400)
    checks.error(api.post("/api/data/query", {"bucketId": bid, "aggregation": "avg"}), 400)
    checks.error(api.post("/api/data/query", {"bucketId": bid, "groupBy": "hour"}), 400)
    checks.error(api.post("/api/data/query", {"bucketId": bid, "aggregation": "median", "groupBy": "hour"}), 400,
                 path=["body", "aggregation"])
    checks.error(api.post("/api/data/query", {"bucketId": "nothex"}), 400, path=["body", "bucketId"])
    checks.error(api.post("/api/data/query", {"bucketId": MISSING}), 404, "Bucket not found")
    checks.error(api.post("/api/data/query", {"bucketId": bid, "dataSourceId": MISSING}), 404, "Data source not found")


@case("queryData", "empty range returns no data")
def test_query_empty(api, fresh):
    bid, w, src = fresh
    q = query(api, bid, filters={"limit": 1})
    assert q["data"] == [] and q["metadata"]["count"] == 0


@case("queryData", "large values: overflowing aggregates are null", decision="decision 24")
def test_overflow(api, factory, fresh):
    bid, w, src = fresh
    factory.batch(bid, [{"dataSourceId": src, "timestamp": iso(T0), "values": {"t": 1.7e308}},
                        {"dataSourceId": src, "timestamp": iso(T0 + timedelta(seconds=1)), "values": {"t": 1.7e308}}], key=w)
    row = query(api, bid, aggregation="sum", groupBy="hour")["data"][0]
    assert row["values"]["t"] is None
    assert math.isclose(query(api, bid, aggregation="max", groupBy="hour")["data"][0]["values"]["t"], 1.7e308)
