"""Batch ingest through HTTP: points/s for POST /api/data/batch with 1000-point batches.

dakkio-mock pinned to CPU0; ``wrk -t1 -c4`` pinned to CPU1 with ``bench/batch.lua``, which builds
each request's body in Lua (every point with its own timestamp, 1 s apart across all batches), so
the client costs little next to the server (on a 2-vCPU machine a heavy client slows the server
too). One batch is first sent with ``requests`` and its answer checked (201, ``insertedCount``
1000); then ``BENCH_BATCH_SECONDS`` (10) of load. Afterwards the bucket's
``stats.dataPointCount`` must have grown by every acknowledged batch (plus at most the batches
still in flight when wrk stopped).

Usage: python bench/batch.py [--json PATH]
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

import benchlib as B
import numpy as np
import requests

SECONDS = float(os.environ.get("BENCH_BATCH_SECONDS", "10"))
BATCH = 1000
CONNECTIONS = 4
T0 = 1_735_689_600  # 2025-01-01T00:00:00Z, seconds
LUA = str(B.BENCH / "batch.lua")


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
    port = B.free_port()
    server = B.Server("mock-batch", B.mock_cmd(port), port)
    errors: list[str] = []
    try:
        server.wait_ready("/__mock/health")
        headers = {"X-API-Key": B.WRITE_KEY, "Content-Type": "application/json"}
        before = point_count(server.base)
        r = requests.post(server.base + "/api/data/batch", data=body_for(0), headers=headers, timeout=60)
        if r.status_code != 201 or r.json().get("insertedCount") != BATCH:
            raise RuntimeError(f"check batch answered {r.status_code}: {r.text[:300]}")
        env = {"BATCH_T0": str(T0), "BATCH_FIRST_BLOCK": "1", "BATCH_BUCKET_ID": B.BUCKET_ID,
               "BATCH_SOURCE_ID": B.SOURCE_ID, "WRK_API_KEY": B.WRITE_KEY}
        w = B.run_wrk(server.base + "/api/data/batch", SECONDS, connections=CONNECTIONS, script=LUA, env=env,
                      server_pid=server.proc.pid)
        after = point_count(server.base)
    finally:
        B.stop_all()
    seconds = float(m.group(1)) if (m := re.search(r"requests in ([\d.]+)s", w["raw"])) else SECONDS
    acked = w["requests"] - w["non2xx"]
    delta = after - before - BATCH
    if w["non2xx"] or w["socket_errors"]:
        errors.append(f"{w['non2xx']} non-2xx answers, {w['socket_errors']} socket errors")
    if not acked * BATCH <= delta <= (acked + CONNECTIONS) * BATCH:
        errors.append(f"stored points grew by {delta:,}, acknowledged {acked * BATCH:,}")
    t = time.perf_counter()
    for k in range(20):
        body_for(k)
    build_ms = (time.perf_counter() - t) / 20 * 1000
    r = {"points_per_s": 0.0 if errors else acked * BATCH / seconds, "points": acked * BATCH,
         "batches": acked, "seconds": seconds, "batch_size": BATCH, "connections": CONNECTIONS,
         "non2xx": w["non2xx"], "socket_errors": w["socket_errors"], "p50_ms": w["p50_ms"], "p99_ms": w["p99_ms"],
         "stored_points_delta": delta, "acknowledged_points": acked * BATCH, "other_cpus": w["other_cpus"],
         "python_body_build_ms": build_ms, "errors": errors}
    print(f"batch ingest: {acked * BATCH / seconds:,.0f} points/s ({acked} batches of {BATCH} in {seconds:.1f} s, "
          f"{CONNECTIONS} connections, p50 {w['p50_ms']:.1f} ms, non-2xx {w['non2xx']})")
    print(f"stored points grew by {delta:,} (acknowledged {acked * BATCH:,}, at most {CONNECTIONS} batches more "
          f"in flight at the stop)")
    for e in errors:
        print("error:", e)
    B.write_json(out_path, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
