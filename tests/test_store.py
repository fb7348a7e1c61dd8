"""Unit tests of the store's rules (no HTTP)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server import timeutil
from mock_server.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized, ValidationFailed
from mock_server.store import SMALL_BATCH, Quota, Store, parse_condition

T0 = timeutil.parse("2024-01-15T10:00:00Z")


class Clock:
    def __init__(self, t=T0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(clock):
    s = Store(seed=3, clock=clock)
    s.admin = s.add_key("admin", "admin", None)
    return s


def _source(store, bucket, schema=None, downsampling=True):
    return store.create_source(bucket, "s", "sensor", None, schema or {"t": {"type": "number"}}, downsampling)


def _pt(src, ts="2024-01-15T10:00:00Z", **values):
    return {"dataSourceId": src.id, "timestamp": ts, "values": values or {"t": 1}}


def test_ids_and_keys_are_deterministic_with_a_seed():
    a, b = Store(seed=9), Store(seed=9)
    assert [a.new_id() for _ in range(3)] == [b.new_id() for _ in range(3)]
    assert a.new_key("write") == b.new_key("write")
    assert Store(seed=10).new_id() != Store(seed=9).new_id()


def test_key_format_and_prefix(store):
    b = store.create_bucket("b", None)
    k = store.add_key("write", "k", b.id)
    assert k.key.startswith("dakkio_w_") and len(k.key) == 49 and k.key[9:].isalnum() and k.key[9:].islower()
    assert k.prefix == k.key[:13] + "..."
    assert store.add_key("read", "r", b.id).key.startswith("dakkio_r_")


def test_authenticate_unknown_key_is_401_and_use_updates_last_used(store, clock):
    with pytest.raises(Unauthorized):
        store.authenticate("dakkio_a_nope")
    with pytest.raises(Unauthorized):
        store.authenticate(None)
    assert store.admin.last_used_at is None
    clock.t += 5000
    assert store.authenticate(store.admin.key) is store.admin
    assert store.admin.last_used_at == clock.t


def test_bucket_names_unique_case_sensitive_not_trimmed(store):
    store.create_bucket("Home", None)
    with pytest.raises(Conflict):
        store.create_bucket("Home", "other")
    store.create_bucket("home", None)
    store.create_bucket(" Home", None)
    assert len(store.buckets) == 3


def test_list_buckets_pages_in_creation_order(store):
    names = [f"b{i}" for i in range(7)]
    for n in names:
        store.create_bucket(n, None)
    page, total = store.list_buckets(3, 5)
    assert total == 7 and [b.name for b in page] == ["b5", "b6"]


def test_scope_check_comes_before_existence(store):
    b = store.create_bucket("b", None)
    w = store.add_key("write", "w", b.id)
    with pytest.raises(Forbidden):
        store.bucket_for(w, "aaaaaaaaaaaaaaaaaaaaaaaa")   # another (missing) bucket: 403, not 404
    with pytest.raises(NotFound):
        store.bucket_for(store.admin, "aaaaaaaaaaaaaaaaaaaaaaaa")
    assert store.bucket_for(w, b.id.upper()) is b        # hex is case-insensitive


def test_stats_and_delete_cascade_with_true_counts(store):
    b = store.create_bucket("b", None)
    other = store.create_bucket("other", None)
    w = store.add_key("write", "w", b.id)
    store.add_key("read", "r", b.id)
    s1, s2 = _source(store, b), _source(store, b)
    _source(store, other)
    store.ingest(b, [_pt(s1), _pt(s1, "2024-01-15T10:01:00Z"), _pt(s2)], ["body", "dataPoints"])
    store.create_alert(b, s1.id, "a", "t is greater than 5", "https://x.test/h", 5)
    assert store.bucket_stats(b) == {"dataSourceCount": 2, "dataPointCount": 3, "apiKeyCount": 2}
    counts = store.delete_bucket(b)
    assert counts == {"dataSources": 2, "dataPoints": 3, "apiKeys": 2, "alertRules": 1}
    with pytest.raises(Unauthorized):
        store.authenticate(w.key)                       # keys of a deleted bucket stop at once
    assert store.bucket_stats(other)["dataSourceCount"] == 1


def test_delete_key_only_within_its_bucket(store):
    b, c = store.create_bucket("b", None), store.create_bucket("c", None)
    k = store.add_key("read", "r", b.id)
    with pytest.raises(NotFound):
        store.delete_key(c, k.id)
    assert store.delete_key(b, k.id) is k
    with pytest.raises(Unauthorized):
        store.authenticate(k.key)
    with pytest.raises(NotFound):
        store.delete_key(b, k.id)


def test_ingest_rejects_schema_mismatch_and_unknown_source_atomically(store):
    b = store.create_bucket("b", None)
    src = _source(store, b, {"t": {"type": "number"}, "ok": {"type": "boolean"}})
    with pytest.raises(ValidationFailed) as exc:
        store.ingest(b, [_pt(src), _pt(src, t="hot")], ["body", "dataPoints"])
    assert exc.value.details == [{"path": ["body", "dataPoints", 1, "values", "t"],
                                  "message": "Expected number, received string"}]
    with pytest.raises(NotFound):
        store.ingest(b, [_pt(src), {"dataSourceId": "ab" * 12, "values": {"t": 1}}], ["body", "dataPoints"])
    other = store.create_bucket("o", None)
    foreign = _source(store, other)
    with pytest.raises(NotFound):
        store.ingest(b, [_pt(foreign)], ["body"])
    assert src.series.n == 0                             # nothing stored by any rejected batch
    with pytest.raises(ValidationFailed):
        store.ingest(b, [_pt(src, t=True)], ["body"])   # booleans are not numbers
    store.ingest(b, [_pt(src, t=2.5, extra="free text", ok=False)], ["body"])
    assert src.series.n == 1


def test_ingest_defaults_timestamp_to_now_and_keeps_milliseconds(store, clock):
    b = store.create_bucket("b", None)
    src = _source(store, b)
    stored = store.ingest(b, [{"dataSourceId": src.id, "values": {"t": 1}}], ["body"])
    assert stored.ts.tolist() == [stored.created] == [clock.t]
    stored = store.ingest(b, [_pt(src, "2024-01-15T11:30:00.123456+01:00")], ["body"])
    assert timeutil.format(stored.ts[0]) == "2024-01-15T10:30:00.123Z"


def test_raw_values_come_back_exactly(store):
    b = store.create_bucket("b", None)
    src = _source(store, b, {})
    values = {"i": 65, "f": 22.5, "s": "on", "flag": True, "big": 2**70, "neg": -0.25}
    store.ingest(b, [_pt(src, **values)], ["body"])
    r = store.query(b, None, None, None, 10, 0, None, None)
    assert r.rows[0]["values"] == values
    assert type(r.rows[0]["values"]["i"]) is int and type(r.rows[0]["values"]["flag"]) is bool


def test_condition_parser():
    assert parse_condition("temperature is greater than 30") == {"field": "temperature", "operator": "gt", "value": 30}
    assert parse_condition("humidity is less than 40")["operator"] == "lt"
    assert parse_condition("pressure drops below 1000")["operator"] == "lt"
    assert parse_condition("cpu usage exceeds 80 percent") == {"field": "cpu_usage", "operator": "gt", "value": 80}
    assert parse_condition("pressure equals 1013")["operator"] == "eq"
    assert parse_condition("battery is not equal to 0")["operator"] == "neq"
    assert parse_condition("temp >= 2.5")["value"] == 2.5
    assert parse_condition("temperature > 30 for 5 minutes")["operator"] == "gt"
    assert parse_condition("make it nice") is None
    assert parse_condition("") is None


def test_alerts_trigger_on_ingest_with_cooldown(store, clock):
    b = store.create_bucket("b", None)
    src = _source(store, b)
    rule = store.create_alert(b, src.id, "hot", "t is greater than 30", "https://x.test", 5)
    store.ingest(b, [_pt(src, t=10)], ["body"])
    assert rule.last_triggered_at is None
    store.ingest(b, [_pt(src, t=31), _pt(src, t=32)], ["body", "dataPoints"])
    assert rule.triggers == [clock.t]                    # one trigger: cooldown
    clock.t += 5 * 60_000
    store.ingest(b, [_pt(src, t=40)], ["body"])
    assert len(rule.triggers) == 2
    with pytest.raises(ValidationFailed):
        store.create_alert(b, src.id, "x", "sometimes", "https://x.test", 5)
    with pytest.raises(NotFound):
        store.create_alert(b, "ab" * 12, "x", "t > 1", "https://x.test", 5)


def test_quota_counts_authenticated_calls_and_resets(store, clock):
    store.quota = Quota(limit=2, window="minute")
    store.authenticate(store.admin.key)
    store.authenticate(store.admin.key)
    with pytest.raises(Unauthorized):
        store.authenticate("bad")                        # unauthenticated calls do not count
    assert store.rate_limit_headers()["X-RateLimit-Remaining"] == "0"
    with pytest.raises(TooManyRequests) as exc:
        store.authenticate(store.admin.key)
    assert exc.value.message == "Rate limit exceeded. Resets at 2024-01-15T10:01:00Z"
    assert exc.value.headers["Retry-After"] == "60"
    clock.t += 60_000
    store.authenticate(store.admin.key)
    h = store.rate_limit_headers()
    assert h == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": str((clock.t + 60_000) // 1000)}


def test_monthly_quota_resets_on_the_first(store, clock):
    clock.t = timeutil.parse("2024-12-31T23:00:00Z")
    assert store.rate_limit_headers()["X-RateLimit-Reset"] == str(timeutil.parse("2025-01-01T00:00:00Z") // 1000)


def test_bucket_analytics_from_stored_data(store, clock):
    b = store.create_bucket("b", None)
    src = _source(store, b, {"t": {"type": "number"}})
    empty = _source(store, b)
    now = clock.t
    pts = [_pt(src, timeutil.format(now - h * 3_600_000), t=float(h)) for h in (0, 1, 1, 30)]
    pts.append(_pt(src, timeutil.format(now - 10 * 86_400_000), t=100.0))   # outside 7d
    store.ingest(b, pts, ["body", "dataPoints"])
    rule = store.create_alert(b, src.id, "hot", "t > 50", "https://x.test", 0)
    store.ingest(b, [_pt(src, timeutil.format(now), t=60.0)], ["body"])
    a = store.bucket_analytics(b, "7d")
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
    assert store.bucket_analytics(b, "24h")["summary"]["dataPointsInPeriod"] == 4


def test_overview_counts(store):
    b = store.create_bucket("b", None)
    store.add_key("write", "w", b.id)
    src = _source(store, b)
    store.ingest(b, [_pt(src)], ["body"])
    o = store.overview()
    assert o["totals"] == {"buckets": 1, "dataSources": 1, "dataPoints": 1, "alertRules": 0, "apiKeys": 1}
    assert o["recentActivity"]["lastDataIngestion"] == "2024-01-15T10:00:00Z"
    assert o["recentActivity"]["lastAlertTriggered"] is None
    assert o["recentActivity"]["dataPointsLast24h"] == 1


def test_metadata_sharing_keeps_types_apart(store):
    b = store.create_bucket("b", None)
    src = _source(store, b)
    metas = [{"a": 1}, {"a": True}, {"a": 1.0}, {"a": "1"}, {"a": [1]}, {"a": 1}]
    store.ingest(b, [dict(_pt(src, f"2024-01-15T10:00:0{i}Z"), metadata=m) for i, m in enumerate(metas)],
                 ["body", "dataPoints"])
    rows = store.query(b, None, None, None, 10, 0, None, None).rows
    got = [r["metadata"] for r in rows]
    assert got == metas and [type(m["a"]) for m in got] == [type(m["a"]) for m in metas]
    assert len(src.series.meta_table) == 5


# ---------------------------------------------------------------- the two ingest paths agree

_NUMBER = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-1000, 1000))
_ANY = st.one_of(_NUMBER, st.integers(-(2**60), 2**60), st.booleans(), st.text(max_size=3),
                 st.sampled_from([2**53 + 1, -(10**30), 10**400]))


def _point(value):
    return st.fixed_dictionaries({
        "source": st.integers(0, 1),
        "ts": st.integers(0, 3 * 86_400_000),
        "values": st.dictionaries(st.sampled_from(["a", "b", "c"]), value, min_size=1),
        "metadata": st.one_of(st.none(), st.sampled_from([{}, {"d": 1}, {"d": 1.0}, {"d": True}, {"d": "x", "n": [1]}])),
    })


def _world(clock):
    s = Store(seed=4, clock=clock)
    b = s.create_bucket("b", None)
    sources = [s.create_source(b, f"s{i}", "sensor", None, {}, False) for i in range(2)]
    for i, (op, value, cooldown) in enumerate([("gt", 0, 0), ("lte", 10, 5), ("neq", 1, 0)]):
        s.create_alert(b, sources[i % 2].id, f"r{i}", f"a {'>' if op == 'gt' else '<=' if op == 'lte' else '!='} {value}",
                       "https://x.test/h", cooldown)
    return s, b, sources


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.one_of(st.lists(_point(_NUMBER), min_size=SMALL_BATCH + 1, max_size=60),     # numeric columns
                 st.lists(_point(_ANY), min_size=SMALL_BATCH + 1, max_size=60)))       # anything goes
def test_batch_path_stores_what_the_point_by_point_path_stores(points):
    """One vectorised batch against the same points sent one at a time (the small-batch path)."""
    results = []
    for one_by_one in (False, True):
        clock = Clock()
        s, b, sources = _world(clock)
        body = []
        for p in points:
            item = {"dataSourceId": sources[p["source"]].id, "timestamp": timeutil.format(T0 + p["ts"]),
                    "values": p["values"]}
            if p["metadata"] is not None:
                item["metadata"] = p["metadata"]
            body.append(item)
        if one_by_one:
            for item in body:
                s.ingest(b, [item], ["body"])
        else:
            s.ingest(b, body, ["body", "dataPoints"])
        rows = s.query(b, None, None, None, 1000, 0, None, None).rows
        typed = [{**r, "values": {k: (type(v).__name__, v) for k, v in r["values"].items()},
                  "metadata": {k: (type(v).__name__, v) for k, v in r["metadata"].items()}} for r in rows]
        alerts = [(r.triggers, r.last_triggered_at) for r in s.alerts.values()]
        results.append((typed, alerts))
    assert results[0] == results[1]


def test_ingest_of_nothing_stores_nothing(store):
    b = store.create_bucket("b", None)
    src = _source(store, b)
    stored = store.ingest(b, [], ["body", "dataPoints"])
    assert stored.count == 0 and stored.ts.tolist() == [] and src.series.n == 0
