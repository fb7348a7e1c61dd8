"""Batch ingest through HTTP: points/s for POST /api/data/batch with 1000-point batches.

dakkio-mock pinned to CPU0; this client pinned to CPU1 with two threads, each with its own
keep-alive ``requests.Session`` (so the server always has the next batch waiting while the
other thread builds its body). Every point has a distinct timestamp (1 s apart, across all
batches). One warm-up batch per thread, then ``BENCH_BATCH_SECONDS`` (10) of load. The bucket's
``stats.dataPointCount`` is checked afterwards against the number of points acknowledged.

Usage: python bench/batch.py [--json PATH]
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time

import benchlib as B
import numpy as np
import requests

SECONDS = float(os.environ.get("BENCH_BATCH_SECONDS", "10"))
BATCH = 1000
THREADS = 2
T0 = 1_735_689_600  # 2025-01-01T00:00:00Z, seconds


_POINT_HEAD = f'{{"dataSourceId":"{B.SOURCE_ID}","timestamp":"'
_POINT_TAILS = [f'Z","values":{{"temperature":{20 + j % 100 * 0.05:.2f},"humidity":{40 + j % 37 * 0.5:.1f}}},'
                f'"metadata":{{"deviceId":"ESP32-00{j % 4}","location":"Living Room"}}}}' for j in range(BATCH)]
_BODY_HEAD = f'{{"bucketId":"{B.BUCKET_ID}","dataPoints":['


def body_for(block: int) -> bytes:
    """1000 points with timestamps T0 + (block * 1000 + j) seconds (``YYYY-MM-DDTHH:MM:SS.000Z``).

    Only the timestamps change between blocks; they are formatted all at once with numpy so the
    client (one CPU for two threads) keeps the server busy."""
    base = T0 + block * BATCH
    stamps = np.datetime_as_string(np.datetime64(base, "s") + np.arange(BATCH), unit="ms").tolist()
    points = ",".join([_POINT_HEAD + ts + tail for ts, tail in zip(stamps, _POINT_TAILS, strict=True)])
    return (_BODY_HEAD + points + "]}").encode()


def point_count(base: str) -> int:
    status, body = B.http_request("GET", f"{base}/api/buckets/{B.BUCKET_ID}", headers={"X-API-Key": B.ADMIN_KEY})
    assert status == 200, status
    return json.loads(body)["bucket"]["stats"]["dataPointCount"]


def main() -> int:
    B.install_signal_handlers()
    out_path = B.json_arg()
    if B.LOAD_CPU is not None:
        os.sched_setaffinity(0, {int(B.LOAD_CPU)})
    port = B.free_port()
    server = B.Server("mock-batch", B.mock_cmd(port), port)
    blocks = itertools.count()
    lock = threading.Lock()
    stats = {"points": 0, "batches": 0, "statuses": {}, "latencies": []}
    errors: list[str] = []
    try:
        server.wait_ready("/__mock/health")
        url = server.base + "/api/data/batch"
        headers = {"X-API-Key": B.WRITE_KEY, "Content-Type": "application/json"}
        before = point_count(server.base)
        sessions = [requests.Session() for _ in range(THREADS)]
        warm_points = 0
        for s in sessions:
            r = s.post(url, data=body_for(next(blocks)), headers=headers, timeout=60)
            if r.status_code != 201:
                raise RuntimeError(f"warm-up batch answered {r.status_code}: {r.text[:300]}")
            warm_points += BATCH
        deadline = time.perf_counter() + SECONDS

        def worker(session: requests.Session) -> None:
            try:
                while time.perf_counter() < deadline:
                    with lock:
                        block = next(blocks)
                    data = body_for(block)
                    t = time.perf_counter()
                    r = session.post(url, data=data, headers=headers, timeout=60)
                    took = time.perf_counter() - t
                    with lock:
                        stats["statuses"][r.status_code] = stats["statuses"].get(r.status_code, 0) + 1
                        stats["latencies"].append(took)
                        if r.status_code == 201 and r.json().get("insertedCount") == BATCH:
                            stats["points"] += BATCH
                            stats["batches"] += 1
                        elif len(errors) < 3:
                            errors.append(f"{r.status_code}: {r.text[:300]}")
            except Exception as exc:  # reported below
                errors.append(repr(exc))

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - started
        after = point_count(server.base)
        for s in sessions:
            s.close()
    finally:
        B.stop_all()
    t = time.perf_counter()
    for k in range(20):
        body_for(k)
    build_ms = (time.perf_counter() - t) / 20 * 1000
    r = {"points_per_s": stats["points"] / elapsed, "points": stats["points"], "batches": stats["batches"],
         "seconds": elapsed, "batch_size": BATCH, "threads": THREADS,
         "statuses": {str(k): v for k, v in stats["statuses"].items()},
         "median_batch_ms": B.median(stats["latencies"]) * 1000, "client_body_build_ms": build_ms,
         "stored_points_delta": after - before, "expected_delta": stats["points"] + warm_points,
         "errors": errors}
    print(f"batch ingest: {r['points_per_s']:,.0f} points/s ({r['batches']} batches of {BATCH} in "
          f"{elapsed:.1f} s, median {r['median_batch_ms']:.1f} ms per batch request, statuses {r['statuses']})")
    print(f"stored points grew by {r['stored_points_delta']:,} (expected {r['expected_delta']:,}); "
          f"client body build {build_ms:.1f} ms per batch")
    for e in errors:
        print("error:", e)
    B.write_json(out_path, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
