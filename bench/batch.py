"""Batch ingest through HTTP: points/s for POST /api/data/batch with 1000-point batches.

dakkio-mock pinned to CPU0; ``wrk -t1 -c4`` pinned to CPU1 with ``bench/batch.lua``, which builds
each request's body in Lua (every point with its own timestamp, 1 s apart across all batches), so
the client costs little next to the server (on a 2-vCPU machine a heavy client slows the server
too). One batch is first sent with ``requests`` and its answer checked (201, ``insertedCount``
1000); then ``BENCH_BATCH_ROUNDS`` (3) rounds of ``BENCH_BATCH_SECONDS`` (6) of load, median
reported (the machine's speed drifts by tens of percent within minutes). After each round the
bucket's ``stats.dataPointCount`` must have grown by every acknowledged batch (plus at most the
batches still in flight when wrk stopped).

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

SECONDS = float(os.environ.get("BENCH_BATCH_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_BATCH_ROUNDS", "3"))
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
    rounds = []
    try:
        server.wait_ready("/__mock/health")
        headers = {"X-API-Key": B.WRITE_KEY, "Content-Type": "application/json"}
        r = requests.post(server.base + "/api/data/batch", data=body_for(0), headers=headers, timeout=60)
        if r.status_code != 201 or r.json().get("insertedCount") != BATCH:
            raise RuntimeError(f"check batch answered {r.status_code}: {r.text[:300]}")
        for k in range(ROUNDS):
            env = {"BATCH_T0": str(T0), "BATCH_FIRST_BLOCK": str(1 + k * 1_000_000), "BATCH_BUCKET_ID": B.BUCKET_ID,
                   "BATCH_SOURCE_ID": B.SOURCE_ID, "WRK_API_KEY": B.WRITE_KEY}
            before = point_count(server.base)
            w = B.run_wrk(server.base + "/api/data/batch", SECONDS, connections=CONNECTIONS, script=LUA, env=env,
                          server_pid=server.proc.pid)
            time.sleep(0.5)   # let the batches in flight when wrk stopped land
            delta = point_count(server.base) - before
            seconds = float(m.group(1)) if (m := re.search(r"requests in ([\d.]+)s", w["raw"])) else SECONDS
            acked = w["requests"] - w["non2xx"]
            if w["non2xx"] or w["socket_errors"]:
                errors.append(f"round {k + 1}: {w['non2xx']} non-2xx answers, {w['socket_errors']} socket errors")
            if not acked * BATCH <= delta <= (acked + CONNECTIONS) * BATCH:
                errors.append(f"round {k + 1}: stored points grew by {delta:,}, acknowledged {acked * BATCH:,}")
            rounds.append({"points_per_s": acked * BATCH / seconds, "batches": acked, "seconds": seconds,
                           "p50_ms": w["p50_ms"], "p99_ms": w["p99_ms"], "non2xx": w["non2xx"],
                           "socket_errors": w["socket_errors"], "stored_points_delta": delta,
                           "acknowledged_points": acked * BATCH, "other_cpus": w["other_cpus"]})
            print(f"round {k + 1}/{ROUNDS}: {acked * BATCH / seconds:,.0f} points/s ({acked} batches of {BATCH} in "
                  f"{seconds:.1f} s, {CONNECTIONS} connections, p50 {w['p50_ms']:.1f} ms, non-2xx {w['non2xx']}); "
                  f"stored points grew by {delta:,} (acknowledged {acked * BATCH:,})", flush=True)
    finally:
        B.stop_all()
    median = B.median([x["points_per_s"] for x in rounds])
    r = {"points_per_s": 0.0 if errors else median, "rounds": rounds, "batch_size": BATCH,
         "connections": CONNECTIONS, "seconds_per_round": SECONDS,
         "other_cpus": B.median([x["other_cpus"] for x in rounds]), "errors": errors}
    print(f"batch ingest: {median:,.0f} points/s (median of {ROUNDS} rounds)")
    for e in errors:
        print("error:", e)
    B.write_json(out_path, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
