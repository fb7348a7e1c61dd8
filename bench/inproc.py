"""Where the time goes: cost per request of the mock's ASGI app driven in-process (no sockets).

Calls ``mock_server.create_app(demo fixtures, seed=1, validate_responses=False)`` directly with
hand-built ASGI scopes, so uvicorn, httptools and the kernel are out of the picture; the same for
``bench/bare_app.py``. Reports microseconds per request (minimum of 3 repeats) for the two wrk
requests and for a 1000-point batch, then a cProfile of each (top functions by own time and the
main cumulative stages). Sockets add roughly 35-50 us per request on top (perf-notes.md).

Usage: python bench/inproc.py [--json PATH] [--top N]
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import os
import pstats
import sys
import time
import warnings

import bare_app
import benchlib as B
from batch import body_for
from throughput import GET_PATH, POST_BODY, POST_PATH

import mock_server

REQUESTS = int(os.environ.get("BENCH_INPROC_REQUESTS", "1000"))
BATCHES = int(os.environ.get("BENCH_INPROC_BATCHES", "10"))
TOP = 8


def scope_for(method: str, path: str, headers: dict, body: bytes) -> dict:
    hdrs = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    hdrs += [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": hdrs, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}


async def call(app, method: str, path: str, headers: dict, body: bytes = b"") -> int:
    sent = False
    status = 0

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope_for(method, path, headers, body), receive, send)
    return status


def requests_for() -> dict:
    post_headers = {"X-API-Key": B.WRITE_KEY, "Content-Type": "application/json"}
    return {
        "GET": ("GET", GET_PATH, {"X-API-Key": B.ADMIN_KEY}, lambda i: b""),
        "POST": ("POST", POST_PATH, post_headers, lambda i: POST_BODY.encode()),
        "batch1000": ("POST", "/api/data/batch", post_headers, lambda i: body_for(1000 + i)),
    }


async def per_request_us(app, spec, n: int) -> tuple[float, set]:
    method, path, headers, body = spec
    bodies = [body(i) for i in range(n)] if method == "POST" and n <= 50 else None
    best, statuses = float("inf"), set()
    for rep in range(3):
        payloads = bodies if bodies is not None else [body(0)] * n
        if bodies is not None and rep:
            payloads = [body(n * rep + i) for i in range(n)]  # fresh timestamps for batches
        t = time.perf_counter()
        for p in payloads:
            statuses.add(await call(app, method, path, headers, p))
        best = min(best, (time.perf_counter() - t) / n * 1e6)
    return best, statuses


STAGES = (
    # (label, (file, function) of the outer frame, (file, function) of the inner frame it contains)
    ("outer layers: CORS, Edge (journal, rate-limit headers), /__mock dispatch, Connexion "
     "error/Swagger UI/routing middlewares",
     ("starlette/middleware/cors.py", "__call__"), ("connexion/middleware/security.py", "__call__")),
    ("security: apiKey check (x-apikeyInfoFunc)",
     ("connexion/middleware/security.py", "__call__"), ("connexion/middleware/request_validation.py", "__call__")),
    ("request validation: body read + JSON parse + jsonschema, path params",
     ("connexion/middleware/request_validation.py", "__call__"), ("connexion/apps/asynchronous.py", "__call__")),
    ("Connexion handler adapter: parameter/response decorators, inspect.signature",
     ("connexion/apps/asynchronous.py", "__call__"), ("mock_server/handlers/", None)),
    ("handler + Store", ("mock_server/handlers/", None), None),
)


def _cum(stats: pstats.Stats, where: tuple | None) -> float:
    if where is None:
        return 0.0
    part, func = where
    found = [ct for (fname, _line, fn), (_cc, _nc, _tt, ct, _c) in stats.stats.items()
             if part in fname and (func is None or fn == func)]
    return max(found, default=0.0)


async def profile(app, spec, n: int, top: int) -> dict:
    method, path, headers, body = spec
    payloads = [body(10_000 + i) for i in range(n)] if path.endswith("batch") else [body(0)] * n
    prof = cProfile.Profile()
    prof.enable()
    for p in payloads:
        await call(app, method, path, headers, p)
    prof.disable()
    stats = pstats.Stats(prof, stream=io.StringIO())
    total = _cum(stats, STAGES[0][1])
    stages = []
    for label, outer, inner in STAGES:
        us = (_cum(stats, outer) - _cum(stats, inner)) / n * 1e6
        stages.append({"stage": label, "us": us, "share": us / (total / n * 1e6) if total else 0.0})
    rows = []
    for (fname, line, func), (_cc, ncalls, tt, ct, _callers) in stats.stats.items():
        short = fname.replace(str(B.ROOT) + "/", "")
        if "site-packages/" in short:
            short = short.split("site-packages/", 1)[1]
        elif "/lib/python3" in short:
            short = "stdlib/" + short.split("/lib/python3", 1)[1].split("/", 1)[1]
        rows.append({"function": f"{short}:{line}({func})", "calls_per_request": ncalls / n,
                     "own_us": tt / n * 1e6, "cum_us": ct / n * 1e6})
    rows.sort(key=lambda r: -r["own_us"])
    return {"total_us": total / n * 1e6, "stages": stages, "top_own": rows[:top]}


async def amain(top: int) -> dict:
    warnings.filterwarnings("ignore")
    mock = mock_server.create_app(mock_server.DEFAULT_FIXTURES, seed=1, validate_responses=False)
    mock.mock.store.quota.limit = 10**12
    apps = {"mock": mock, "bare": bare_app.app}
    specs = requests_for()
    out: dict = {"us_per_request": {}, "statuses": {}, "profile": {}}
    for name, app in apps.items():
        for label, spec in specs.items():
            if name == "bare" and label == "batch1000":
                continue
            n = BATCHES if label == "batch1000" else REQUESTS
            await per_request_us(app, spec, min(n, 200))   # warm-up
            us, statuses = await per_request_us(app, spec, n)
            out["us_per_request"][f"{name} {label}"] = us
            out["statuses"][f"{name} {label}"] = sorted(statuses)
    for label, spec in specs.items():
        n = BATCHES if label == "batch1000" else REQUESTS // 2
        out["profile"][label] = await profile(mock, spec, n, top)
    return out


def main() -> int:
    out_path = B.json_arg()
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else TOP
    r = asyncio.run(amain(top))
    for key, us in r["us_per_request"].items():
        extra = f" = {1000 / (us / 1e6):,.0f} points/s" if key.endswith("batch1000") else f" = {1e6 / us:,.0f} req/s"
        print(f"in-process {key:<16} {us:10.1f} us/request{extra}  statuses {r['statuses'][key]}")
    for label, prof in r["profile"].items():
        print(f"\ncProfile, mock {label}: {prof['total_us']:,.0f} us/request under the profiler, by stage:")
        for st in prof["stages"]:
            print(f"  {st['share']:6.1%} {st['us']:12,.1f} us  {st['stage']}")
        print(f"  top {len(prof['top_own'])} functions by own time (us/request, calls/request):")
        for row in prof["top_own"]:
            print(f"  {row['own_us']:12,.1f} us {row['calls_per_request']:9.1f}  {row['function']}")
    B.write_json(out_path, json.loads(json.dumps(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
