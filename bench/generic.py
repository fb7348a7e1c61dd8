"""A spec with no profile, served by dakkio-mock (``--spec``) and by Prism 5, side by side.

The OpenAPI Initiative's petstore-expanded (vendored in tests/thirdparty): GET one pet by id and
create a pet. Same method as bench/throughput.py (servers on CPU0, ``wrk -t1 -c32`` on CPU1,
interleaved rounds, medians). dakkio-mock answers from its state (the pet read was created
first); Prism answers from the spec's examples (it has no state).

Usage: python bench/generic.py [--json PATH]
"""

from __future__ import annotations

import json
import os
import sys

import benchlib as B

SPEC = str(B.ROOT / "tests" / "thirdparty" / "oai_petstore_expanded" / "petstore-expanded.yaml")
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "3"))
WARMUP = float(os.environ.get("BENCH_HTTP_WARMUP", "2"))
BODY = json.dumps({"name": "Rex", "tag": "dog"}, separators=(",", ":"))
LUA = str(B.BENCH / "post.lua")


def start() -> dict[str, B.Server]:
    servers = {}
    port = B.free_port()
    servers["mock"] = B.Server("mock-generic", [B.DAKKIO_MOCK, "--spec", SPEC, "--port", str(port), "--seed", "1",
                                                "--log-level", "warning"], port)
    port = B.free_port()
    servers["prism"] = B.Server("prism-generic", [B.PRISM, "mock", SPEC, "-v", "warn", "-h", "127.0.0.1",
                                                  "-p", str(port)], port)
    servers["mock"].wait_ready("/__mock/health")
    servers["prism"].wait_ready("/pets", timeout=90)
    return servers


def base_path(server: B.Server) -> str:
    """Where the server serves the spec's paths: under the server URL's /v2 (dakkio-mock) or at / (Prism)."""
    for base in ("/v2", ""):
        status, _ = B.http_request("GET", f"{server.base}{base}/pets")
        if status == 200:
            return base
    raise RuntimeError(f"{server.name} serves no /pets")


def main() -> int:
    B.install_signal_handlers()
    out_path = B.json_arg()
    results: dict = {"config": {"spec": "petstore-expanded (OAI)", "seconds": SECONDS, "rounds": ROUNDS}}
    try:
        servers = start()
        bases = {name: base_path(s) for name, s in servers.items()}
        _, body = B.http_request("POST", f"{servers['mock'].base}{bases['mock']}/pets", body=BODY.encode(),
                                      headers={"Content-Type": "application/json"})
        pet = json.loads(body)["id"]
        urls = {name: {"GET": f"{s.base}{bases[name]}/pets/{pet}", "POST": f"{s.base}{bases[name]}/pets"}
                for name, s in servers.items()}
        results["status_check"] = {}
        for name in servers:
            get_status, _ = B.http_request("GET", urls[name]["GET"])
            post_status, _ = B.http_request("POST", urls[name]["POST"], body=BODY.encode(),
                                            headers={"Content-Type": "application/json"})
            results["status_check"][name] = {"GET": get_status, "POST": post_status}
            print(f"status check {name:<5}: GET {get_status}  POST {post_status}", flush=True)

        def measure(name, ep, seconds):
            if ep == "GET":
                return B.run_wrk(urls[name]["GET"], seconds, 32, server_pid=servers[name].proc.pid)
            return B.run_wrk(urls[name]["POST"], seconds, 32, script=LUA, env={"WRK_BODY": BODY, "WRK_API_KEY": "-"},
                             server_pid=servers[name].proc.pid)

        runs = {name: {"GET": [], "POST": []} for name in servers}
        for name in servers:
            for ep in ("GET", "POST"):
                measure(name, ep, WARMUP)
        for r in range(ROUNDS):
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for ep in ("GET", "POST"):
                for name in order:
                    res = measure(name, ep, SECONDS)
                    res.pop("raw")
                    runs[name][ep].append(res)
                    print(f"round {r + 1}/{ROUNDS} {name:<5} {ep:<4} {res['rps']:>10,.0f} req/s  "
                          f"non-2xx {res['non2xx']}", flush=True)
    finally:
        B.stop_all()
    results["summary"] = {name: {ep: {"rps": B.median([x["rps"] for x in rs]), "non2xx": sum(x["non2xx"] for x in rs),
                                      "rps_runs": [round(x["rps"], 1) for x in rs]}
                                 for ep, rs in by_ep.items()} for name, by_ep in runs.items()}
    results["ratios"] = {ep: results["summary"]["mock"][ep]["rps"] / results["summary"]["prism"][ep]["rps"]
                         for ep in ("GET", "POST")}
    for ep, ratio in results["ratios"].items():
        print(f"{ep}: dakkio-mock --spec {results['summary']['mock'][ep]['rps']:,.0f} req/s, "
              f"Prism {results['summary']['prism'][ep]['rps']:,.0f} req/s: {ratio:.2f}x")
    B.write_json(out_path, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
