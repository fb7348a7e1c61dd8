"""Unit tests of ingest (services.ingest): typed, all-or-nothing storage and what comes back (no HTTP)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.core import timeutil
from mock_server.core.errors import NotFound
from mock_server.profiles.dakkio.services import alerts, buckets, data_sources, ingest
from mock_server.profiles.dakkio.services.ingest import SMALL_BATCH
from mock_server.profiles.dakkio.state import State

from .dakkio_support import T0, Clock, _pt, _query, _source, clock_fixture, state_fixture  # noqa: F401  (fixtures)


def test_ingest_rejects_schema_mismatch_and_unknown_source_atomically(state):
    b = buckets.create(state, "b", None)
    src = _source(state, b, {"t": {"type": "number"}, "ok": {"type": "boolean"}})
    with pytest.raises(ingest.PointInvalid) as exc:
        ingest.ingest(state, b, [_pt(src), _pt(src, t="hot")])
    # the handler reports it at ["body", "dataPoints", 1, "values", "t"]
    assert (exc.value.index, exc.value.where, exc.value.message) == (
        1, ["values", "t"], "Expected number, received string")
    with pytest.raises(NotFound):
        ingest.ingest(state, b, [_pt(src), {"dataSourceId": "ab" * 12, "values": {"t": 1}}])
    other = buckets.create(state, "o", None)
    foreign = _source(state, other)
    with pytest.raises(NotFound):
        ingest.ingest(state, b, [_pt(foreign)])
    assert src.series.n == 0                             # nothing stored by any rejected batch
    with pytest.raises(ingest.PointInvalid):
        ingest.ingest(state, b, [_pt(src, t=True)])      # booleans are not numbers
    ingest.ingest(state, b, [_pt(src, t=2.5, extra="free text", ok=False)])
    assert src.series.n == 1


def test_ingest_defaults_timestamp_to_now_and_keeps_milliseconds(state, clock):
    b = buckets.create(state, "b", None)
    src = _source(state, b)
    stored = ingest.ingest(state, b, [{"dataSourceId": src.id, "values": {"t": 1}}])
    assert stored.ts.tolist() == [stored.created] == [clock.t]
    stored = ingest.ingest(state, b, [_pt(src, "2024-01-15T11:30:00.123456+01:00")])
    assert timeutil.format(stored.ts[0]) == "2024-01-15T10:30:00.123Z"


def test_raw_values_come_back_exactly(state):
    b = buckets.create(state, "b", None)
    src = _source(state, b, {})
    values = {"i": 65, "f": 22.5, "s": "on", "flag": True, "big": 2**70, "neg": -0.25}
    ingest.ingest(state, b, [_pt(src, **values)])
    r = _query(state, b, None, None, None, 10, 0, None, None)
    assert r.rows[0]["values"] == values
    assert type(r.rows[0]["values"]["i"]) is int and type(r.rows[0]["values"]["flag"]) is bool


def test_metadata_sharing_keeps_types_apart(state):
    b = buckets.create(state, "b", None)
    src = _source(state, b)
    metas = [{"a": 1}, {"a": True}, {"a": 1.0}, {"a": "1"}, {"a": [1]}, {"a": 1}]
    ingest.ingest(state, b, [dict(_pt(src, f"2024-01-15T10:00:0{i}Z"), metadata=m) for i, m in enumerate(metas)])
    rows = _query(state, b, None, None, None, 10, 0, None, None).rows
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
    s = State(seed=4, clock=clock)
    b = buckets.create(s, "b", None)
    sources = [data_sources.create(s, b, f"s{i}", "sensor", None, {}, False) for i in range(2)]
    for i, (op, value, cooldown) in enumerate([("gt", 0, 0), ("lte", 10, 5), ("neq", 1, 0)]):
        alerts.create(s, b, sources[i % 2].id, f"r{i}",
                      f"a {'>' if op == 'gt' else '<=' if op == 'lte' else '!='} {value}", "https://x.test/h", cooldown)
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
                ingest.ingest(s, b, [item])
        else:
            ingest.ingest(s, b, body)
        rows = _query(s, b, None, None, None, 1000, 0, None, None).rows
        typed = [{**r, "values": {k: (type(v).__name__, v) for k, v in r["values"].items()},
                  "metadata": {k: (type(v).__name__, v) for k, v in r["metadata"].items()}} for r in rows]
        fired = [(r.triggers, r.last_triggered_at) for r in s.alerts.values()]
        results.append((typed, fired))
    assert results[0] == results[1]


def test_ingest_of_nothing_stores_nothing(state):
    b = buckets.create(state, "b", None)
    src = _source(state, b)
    stored = ingest.ingest(state, b, [])
    assert stored.count == 0 and stored.ts.tolist() == [] and src.series.n == 0
