"""Memory: bytes per stored point = RSS growth while loading 1,000,000 points into one source.

3 numeric fields, 4 repeating metadata dictionaries, loaded with ``Series.append_many`` in
10,000-row chunks (each chunk freed before the next). The measurement runs in a fresh child
process (this script re-executes itself with ``--child``) so no earlier allocation distorts it.
RSS comes from /proc/self/statm; the peak from ``getrusage`` (``ru_maxrss``).

Usage: python bench/memory.py [--json PATH]
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys

import benchlib as B

N = int(os.environ.get("BENCH_MEMORY_POINTS", "1000000"))
CHUNK = 10_000


def child() -> dict:
    from mock_server.core import timeutil
    from mock_server.profiles.dakkio.services import buckets, data_sources
    from mock_server.profiles.dakkio.state import State

    metas = [{"deviceId": f"ESP32-{i:03d}", "location": loc}
             for i, loc in enumerate(("Living Room", "Kitchen", "Hallway", "Garage"))]
    state = State(seed=1)
    bucket = buckets.create(state, "bench", None)
    src = data_sources.create(state, bucket, "big", "sensor", None,
                              {"t": {"type": "number"}, "h": {"type": "number"}, "p": {"type": "number"}}, True)
    t0, step, created = 1_735_689_600_000, 30 * timeutil.MS_DAY // N, state.now()
    # Touch the code paths once on a throwaway series so first-use allocations are not counted.
    warm = type(src.series)()
    warm.append_many([(t0, created, 0, {"t": 1.0, "h": 2.0, "p": 3.0}, metas[0])])
    del warm
    gc.collect()
    before = B.rss_bytes()
    for start in range(0, N, CHUNK):
        chunk = [(t0 + i * step, created, i + 1,
                  {"t": 20.0 + (i % 1000) * 0.01, "h": 40.0 + (i % 37) * 0.5, "p": 1000.0 + (i % 101) * 0.25},
                  metas[i % len(metas)]) for i in range(start, min(N, start + CHUNK))]
        src.series.append_many(chunk)
        del chunk
    gc.collect()
    after = B.rss_bytes()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    s = src.series
    return {"points": s.n, "rss_before": before, "rss_after": after, "rss_growth": after - before,
            "bytes_per_point": (after - before) / s.n, "peak_growth_bytes_per_point": (peak - before) / s.n,
            "capacity": s.capacity, "column_bytes": s.nbytes(), "column_bytes_per_point": s.nbytes() / s.n,
            "column_bytes_per_slot": s.nbytes() / s.capacity, "metadata_entries": len(s.meta_table),
            "side_table_entries": len(s.other)}


def main() -> int:
    if "--child" in sys.argv:
        print(json.dumps(child()))
        return 0
    out_path = B.json_arg()
    done = subprocess.run([sys.executable, __file__, "--child"], capture_output=True, text=True, check=True,
                          cwd=B.ROOT, timeout=300)
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"RSS growth for {r['points']:,} points: {r['rss_growth'] / 2**20:.1f} MiB "
          f"= {r['bytes_per_point']:.1f} bytes/point (peak during load {r['peak_growth_bytes_per_point']:.1f})")
    print(f"numpy columns: {r['column_bytes'] / 2**20:.1f} MiB for capacity {r['capacity']:,} "
          f"= {r['column_bytes_per_slot']:.1f} bytes/slot, {r['column_bytes_per_point']:.1f} bytes/point; "
          f"{r['metadata_entries']} metadata entries, {r['side_table_entries']} side-table entries")
    B.write_json(out_path, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
