"""Where the time goes: cost per request of the mock's ASGI app driven in-process (no sockets).

Calls ``mock_server.create_app("dakkio", demo fixtures, seed=1, validate_responses=False)`` directly with
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
import itertools
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
from mock_server import profiles

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


_blocks = itertools.count(1000)


def requests_for() -> dict:
    """label -> (method, path, headers, body factory); every batch gets fresh, distinct timestamps."""
    post_headers = {"X-API-Key": B.WRITE_KEY, "Content-Type": "application/json"}
    post_body = POST_BODY.encode()
    return {
        "GET": ("GET", GET_PATH, {"X-API-Key": B.ADMIN_KEY}, lambda: b""),
        "POST": ("POST", POST_PATH, post_headers, lambda: post_body),
        "batch1000": ("POST", "/api/data/batch", post_headers, lambda: body_for(next(_blocks))),
    }


async def per_request_us(app, spec, n: int) -> tuple[float, set]:
    """Best of 3 repeats of n requests (bodies built before timing)."""
    method, path, headers, body = spec
    best, statuses = float("inf"), set()
    for _ in range(3):
        payloads = [body() for _ in range(n)]
        t = time.perf_counter()
        for p in payloads:
            statuses.add(await call(app, method, path, headers, p))
        best = min(best, (time.perf_counter() - t) / n * 1e6)
    return best, statuses


# Own time (not cumulative) by where the code lives: robust to however the layers are wired.
CATEGORIES = (
    ("mock: Dakkio profile (handlers, services, state, engine, views, envelope), timeutil, errors",
     ("mock_server/profiles/", "mock_server/core/timeutil.py", "mock_server/core/errors.py")),
    ("mock: Connexion hooks (validation.py, security.py, fast.py, resolver.py, contract.py)",
     ("mock_server/core/validation.py", "mock_server/core/security.py", "mock_server/core/fast.py",
      "mock_server/core/resolver.py", "mock_server/core/contract.py")),
    ("mock: outer layers (app.py, middleware/, /__mock dispatch)",
     ("mock_server/core/app.py", "mock_server/core/middleware/", "mock_server/core/control.py")),
    ("schema validation libraries (jsonschema, jsonschema-rs, referencing)",
     ("jsonschema", "referencing/", "rpds", "attr/", "jsonschema_rs")),
    ("Connexion (routing, security, validation glue, handler adapter)", ("connexion/",)),
    ("Starlette (routing, middleware, requests/responses)", ("starlette/",)),
    ("werkzeug LocalProxy (connexion.context)", ("werkzeug/",)),
    ("inspect (signature per request)", ("inspect.py",)),
    ("JSON encode/decode (json, orjson)", ("json/", "orjson")),
    ("other stdlib and builtins", ("",)),
)


def category(fname: str, func: str) -> str:
    where = f"{fname}:{func}"
    return next(label for label, parts in CATEGORIES if any(p in where for p in parts))


async def profile(app, spec, n: int, top: int) -> dict:
    method, path, headers, body = spec
    payloads = [body() for _ in range(n)]
    prof = cProfile.Profile()
    prof.enable()
    for p in payloads:
        await call(app, method, path, headers, p)
    prof.disable()
    stats = pstats.Stats(prof, stream=io.StringIO())
    total = sum(v[2] for v in stats.stats.values())
    by_cat: dict[str, float] = {}
    for (fname, _line, func), (_cc, _nc, tt, _ct, _c) in stats.stats.items():
        label = category(fname, func)
        by_cat[label] = by_cat.get(label, 0.0) + tt
    stages = [{"stage": label, "us": by_cat[label] / n * 1e6, "share": by_cat[label] / total if total else 0.0}
              for label, _ in CATEGORIES if by_cat.get(label)]
    stages.sort(key=lambda st: -st["us"])
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
    mock = mock_server.create_app("dakkio", profiles.get("dakkio").fixtures.default, seed=1,
                                  validate_responses=False)
    mock.mock.state.quota.limit = 10**12
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
        print(f"\ncProfile, mock {label}: {prof['total_us']:,.0f} us/request under the profiler; own time by code:")
        for st in prof["stages"]:
            print(f"  {st['share']:6.1%} {st['us']:12,.1f} us  {st['stage']}")
        print(f"  top {len(prof['top_own'])} functions by own time (us/request, calls/request):")
        for row in prof["top_own"]:
            print(f"  {row['own_us']:12,.1f} us {row['calls_per_request']:9.1f}  {row['function']}")
    B.write_json(out_path, json.loads(json.dumps(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
