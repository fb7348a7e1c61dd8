"""HTTP throughput, side by side: dakkio-mock vs Prism 5 vs bare Starlette, same requests.

Method (see the perf notes in the shared reference folder): each server pinned to CPU0, ``wrk -t1 -c32``
pinned to CPU1, loopback only, no access log, response validation off. Every (server, request)
pair gets a warm-up, then the rounds are interleaved (GET and POST of each server in turn) and
the median req/s over the rounds is reported. Status codes are checked with one request first.

Usage: python bench/throughput.py [--json PATH]
Environment: BENCH_HTTP_SECONDS (default 8), BENCH_HTTP_ROUNDS (3), BENCH_HTTP_WARMUP (2).
"""

from __future__ import annotations

import json
import os
import sys

import benchlib as B

SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "3"))
WARMUP = float(os.environ.get("BENCH_HTTP_WARMUP", "2"))
CONNECTIONS = 32

POST_BODY = json.dumps({
    "bucketId": B.BUCKET_ID,
    "dataSourceId": B.SOURCE_ID,
    "timestamp": "2024-01-15T10:30:00.000Z",
    "values": {"temperature": 22.5, "humidity": 65.2},
    "metadata": {"deviceId": "ESP32-001", "location": "Living Room"},
}, separators=(",", ":"))
GET_PATH = f"/api/buckets/{B.BUCKET_ID}"
POST_PATH = "/api/data"
LUA = str(B.BENCH / "post.lua")


def start_servers() -> dict[str, B.Server]:
    servers = {}
    port = B.free_port()
    servers["mock"] = B.Server("mock", B.mock_cmd(port), port)
    port = B.free_port()
    servers["prism"] = B.Server("prism", [B.PRISM, "mock", B.SPEC, "-v", "warn", "-h", "127.0.0.1",
                                          "-p", str(port)], port)
    port = B.free_port()
    servers["bare"] = B.Server("bare", [B.PYTHON, "-m", "uvicorn", "--app-dir", str(B.BENCH), "bare_app:app",
                                        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                                        "--log-level", "warning"], port)
    servers["mock"].wait_ready("/__mock/health")
    servers["bare"].wait_ready(GET_PATH)
    servers["prism"].wait_ready(GET_PATH, headers={"X-API-Key": B.ADMIN_KEY}, timeout=90)
    return servers


def check(server: B.Server) -> dict:
    """Status code of one GET and one POST, as wrk will send them."""
    get_status, get_body = B.http_request("GET", server.base + GET_PATH, headers={"X-API-Key": B.ADMIN_KEY})
    post_status, post_body = B.http_request("POST", server.base + POST_PATH, body=POST_BODY.encode(),
                                            headers={"X-API-Key": B.WRITE_KEY,
                                                     "Content-Type": "application/json"})
    return {"GET": get_status, "POST": post_status,
            "GET_body": get_body[:300].decode("utf-8", "replace"),
            "POST_body": post_body[:300].decode("utf-8", "replace")}


def measure(server: B.Server, endpoint: str, seconds: float) -> dict:
    if endpoint == "GET":
        return B.run_wrk(server.base + GET_PATH, seconds, CONNECTIONS, headers={"X-API-Key": B.ADMIN_KEY},
                         server_pid=server.proc.pid)
    return B.run_wrk(server.base + POST_PATH, seconds, CONNECTIONS, script=LUA,
                     env={"WRK_BODY": POST_BODY, "WRK_API_KEY": B.WRITE_KEY}, server_pid=server.proc.pid)


def main() -> int:
    B.install_signal_handlers()
    out_path = B.json_arg()
    results: dict = {"config": {"seconds": SECONDS, "rounds": ROUNDS, "warmup": WARMUP,
                                "connections": CONNECTIONS, "threads": 1, "post_body_bytes": len(POST_BODY),
                                "server_cpu": B.SERVER_CPU, "load_cpu": B.LOAD_CPU}}
    try:
        servers = start_servers()
        results["commands"] = {name: " ".join(s.cmd) for name, s in servers.items()}
        results["status_check"] = {name: check(s) for name, s in servers.items()}
        for name, st in results["status_check"].items():
            print(f"status check {name:<5}: GET {st['GET']}  POST {st['POST']}", flush=True)
            for ep in ("GET", "POST"):
                if st[ep] not in (200, 201):
                    print(f"  note: {name} {ep} answered {st[ep]}: {st[ep + '_body']}", flush=True)
        runs: dict = {name: {"GET": [], "POST": []} for name in servers}
        for server in servers.values():
            for ep in ("GET", "POST"):
                measure(server, ep, WARMUP)
        for r in range(ROUNDS):
            # Alternate the order (ABC, CBA, ...) so a drift in machine speed does not favour one server.
            order = list(servers.items()) if r % 2 == 0 else list(reversed(servers.items()))
            for ep in ("GET", "POST"):
                for name, server in order:
                    res = measure(server, ep, SECONDS)
                    res.pop("raw")
                    runs[name][ep].append(res)
                    print(f"round {r + 1}/{ROUNDS} {name:<5} {ep:<4} {res['rps']:>10,.0f} req/s  "
                          f"p50 {res['p50_ms']:.2f} ms  p99 {res['p99_ms']:.2f} ms  "
                          f"non-2xx {res['non2xx']}  socket errors {res['socket_errors']}  "
                          f"other load {res['other_cpus']:.2f} CPUs  steal {res['steal_cpus']:.2f}", flush=True)
    finally:
        B.stop_all()
    summary = {}
    for name, by_ep in runs.items():
        summary[name] = {}
        for ep, rs in by_ep.items():
            summary[name][ep] = {
                "rps": B.median([x["rps"] for x in rs]),
                "rps_runs": [round(x["rps"], 1) for x in rs],
                "non2xx": sum(x["non2xx"] for x in rs),
                "requests": sum(x["requests"] for x in rs),
                "socket_errors": sum(x["socket_errors"] for x in rs),
                "p50_ms": B.median([x["p50_ms"] for x in rs]),
                "p99_ms": B.median([x["p99_ms"] for x in rs]),
                "other_cpus": B.median([x["other_cpus"] for x in rs]),
                "steal_cpus": B.median([x["steal_cpus"] for x in rs]),
                "status": results["status_check"][name][ep],
            }
    results["summary"] = summary
    # Ratio of the medians (the verdict), and the same ratio round by round (a noise check).
    results["ratios"] = {ep: {"mock/prism": summary["mock"][ep]["rps"] / summary["prism"][ep]["rps"],
                              "mock/bare": summary["mock"][ep]["rps"] / summary["bare"][ep]["rps"],
                              "mock/prism_by_round": [m["rps"] / p["rps"] for m, p in
                                                      zip(runs["mock"][ep], runs["prism"][ep], strict=True)],
                              "mock/bare_by_round": [m["rps"] / b["rps"] for m, b in
                                                     zip(runs["mock"][ep], runs["bare"][ep], strict=True)]}
                         for ep in ("GET", "POST")}
    print()
    print(f"{'server':<6} {'endpoint':<9} {'median req/s':>13} {'runs':<28} {'non-2xx':>8} {'status':>6}")
    for name, by_ep in summary.items():
        for ep, s in by_ep.items():
            runs_txt = ", ".join(f"{x:,.0f}" for x in s["rps_runs"])
            print(f"{name:<6} {ep:<9} {s['rps']:>13,.0f} {runs_txt:<28} {s['non2xx']:>8} {s['status']:>6}")
    for ep, r in results["ratios"].items():
        by_round = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(r["mock/prism_by_round"], r["mock/bare_by_round"],
                                                               strict=True))
        print(f"{ep}: mock/Prism {r['mock/prism']:.2f}x   mock/bare {r['mock/bare']:.2f}x   "
              f"(per round, Prism/bare: {by_round})")
    B.write_json(out_path, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
