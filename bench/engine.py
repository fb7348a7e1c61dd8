"""Engine timings in-process (no HTTP): 1,000,000 points over 30 days, 3 numeric fields.

Builds one ``State`` with a data source ``big`` (downsampling on) loaded through
``Series.append_many`` and times, median of ``BENCH_ENGINE_RUNS`` runs after one warm-up:

- raw window: 1000 points, ``limit=1000``, on source ``raw`` (downsampling off; it shares the
  very same 1M-point ``Series`` object as ``big``, so the data is identical and loaded once);
  also a 500-point raw window on ``big`` (<= 500 matches: no auto-downsampling);
- ``avg`` by ``hour`` over the whole range (720 groups);
- an auto-downsampled 7-day query on ``big`` (no aggregation; the engine picks the interval).

Also reports the load rate of ``append_many`` and of ``ingest.ingest`` (the path HTTP ingest takes).

Usage: python bench/engine.py [--json PATH]
"""

from __future__ import annotations

import os
import sys
import time

import benchlib as B

from mock_server.core import timeutil
from mock_server.profiles.dakkio import views
from mock_server.profiles.dakkio.services import buckets, data, data_sources, ingest
from mock_server.profiles.dakkio.state import State

N = int(os.environ.get("BENCH_ENGINE_POINTS", "1000000"))
RUNS = int(os.environ.get("BENCH_ENGINE_RUNS", "9"))
INGEST_POINTS = int(os.environ.get("BENCH_ENGINE_INGEST_POINTS", "100000"))
DAYS = 30
T0 = 1_735_689_600_000                      # 2025-01-01T00:00:00Z
STEP = DAYS * timeutil.MS_DAY // N          # 2592 ms for 1M points
CHUNK = 50_000
METAS = [{"deviceId": f"ESP32-{i:03d}", "location": loc}
         for i, loc in enumerate(("Living Room", "Kitchen", "Hallway", "Garage"))]
SCHEMA = {"t": {"type": "number"}, "h": {"type": "number"}, "p": {"type": "number"}}


def rows(start: int, stop: int, created: int):
    """Rows for ``append_many``: (timestamp_ms, created_ms, seq, values, metadata)."""
    return [(T0 + i * STEP, created, i + 1,
             {"t": 20.0 + (i % 1000) * 0.01, "h": 40.0 + (i % 37) * 0.5, "p": 1000.0 + (i % 101) * 0.25},
             METAS[i % len(METAS)]) for i in range(start, stop)]


def timed(fn, runs: int = RUNS) -> dict:
    cold_start = time.perf_counter()
    result = fn()
    cold = (time.perf_counter() - cold_start) * 1000
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return {"median_ms": B.median(times), "min_ms": min(times), "max_ms": max(times), "cold_ms": cold,
            "runs": runs, "rows": len(result.rows), "total": result.total,
            "downsampling_applied": result.downsampling_applied, "aggregation": result.aggregation,
            "group_by": result.group_by}


def main() -> int:
    out_path = B.json_arg()
    state = State(seed=1)
    bucket = buckets.create(state, "bench", None)
    big = data_sources.create(state, bucket, "big", "sensor", None, SCHEMA, True)
    raw = data_sources.create(state, bucket, "raw", "sensor", None, SCHEMA, False)
    created = state.now()

    t = time.perf_counter()
    gen = 0.0
    for start in range(0, N, CHUNK):
        g = time.perf_counter()
        chunk = rows(start, min(N, start + CHUNK), created)
        gen += time.perf_counter() - g
        big.series.append_many(chunk)
    load_s = time.perf_counter() - t
    append_s = load_s - gen
    raw.series = big.series  # same data, downsampling off
    print(f"loaded {big.series.n:,} points in {load_s:.2f} s "
          f"(append_many {N / append_s:,.0f} points/s, row generation excluded)", flush=True)

    # ingest.ingest (what POST /api/data/batch calls) on a separate bucket and source.
    ib = buckets.create(state, "ingest", None)
    isrc = data_sources.create(state, ib, "ingest", "sensor", None, SCHEMA, True)
    points = [{"dataSourceId": isrc.id, "timestamp": timeutil.format(T0 + i * 1000),
               "values": {"t": 20.0 + (i % 1000) * 0.01, "h": 50.5, "p": 1013.25},
               "metadata": METAS[i % len(METAS)]} for i in range(INGEST_POINTS)]
    t = time.perf_counter()
    for start in range(0, INGEST_POINTS, 1000):
        ingest.ingest(state, ib, points[start:start + 1000])
    ingest_rate = INGEST_POINTS / (time.perf_counter() - t)
    print(f"ingest.ingest: {ingest_rate:,.0f} points/s (1000-point batches, no HTTP)", flush=True)

    mid = T0 + 15 * timeutil.MS_DAY
    w1000_end = mid + 1000 * STEP - 1       # exactly 1000 points: ts in [mid, mid + 999 * STEP]
    w500_end = mid + 500 * STEP - 1
    week_start = T0 + 10 * timeutil.MS_DAY
    week_end = week_start + 7 * timeutil.MS_DAY
    def query(source_id, start, end, aggregation, group_by):   # as the queryData handler calls it
        return data.query(state, bucket, source_id, start, end, 1000, 0, aggregation, group_by,
                          views.point_rows(state), views.aggregated_row)

    queries = {
        "raw_window_1000": lambda: query(raw.id, mid, w1000_end, None, None),
        "raw_window_500_ds_on": lambda: query(big.id, mid, w500_end, None, None),
        "avg_by_hour_all": lambda: query(big.id, None, None, "avg", "hour"),
        "downsampled_7d": lambda: query(big.id, week_start, week_end, None, None),
    }
    results = {"points": big.series.n, "days": DAYS, "fields": 3, "metadata_variants": len(METAS),
               "load_seconds": load_s, "append_many_points_per_s": N / append_s,
               "store_ingest_points_per_s": ingest_rate, "queries": {}}
    for name, fn in queries.items():
        r = timed(fn)
        results["queries"][name] = r
        extra = f"downsampled to {r['group_by']}" if r["downsampling_applied"] else (
            f"{r['aggregation']} by {r['group_by']}" if r["aggregation"] else "raw")
        print(f"{name:<22} median {r['median_ms']:8.2f} ms  (min {r['min_ms']:.2f}, cold {r['cold_ms']:.2f}; "
              f"{r['rows']} rows of {r['total']} matches, {extra})", flush=True)
    assert results["queries"]["raw_window_1000"]["rows"] == 1000
    assert not results["queries"]["raw_window_1000"]["downsampling_applied"]
    assert results["queries"]["downsampled_7d"]["downsampling_applied"]
    B.write_json(out_path, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
