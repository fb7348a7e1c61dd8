"""``dakkio-mock``: serve an API's mock on localhost (Dakkio unless ``--api`` says otherwise)."""

from __future__ import annotations

import argparse
import gc
import logging
import re
import sys
import warnings

from ..profiles import DEFAULT, NAMES

_PERIODS = {"s": "second", "sec": "second", "second": "second", "m": "minute", "min": "minute",
            "minute": "minute", "h": "hour", "hour": "hour", "d": "day", "day": "day",
            "mo": "month", "month": "month"}


def parse_rate_limit(text: str) -> tuple[int, str]:
    """``N/period``, e.g. ``100/minute``, ``10000/month``, ``5/s``."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*([a-z]+)\s*", text or "")
    if not m or m.group(2) not in _PERIODS:
        raise argparse.ArgumentTypeError("expected N/period with period one of second, minute, hour, day, month")
    return int(m.group(1)), _PERIODS[m.group(2)]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dakkio-mock", description="A stateful, in-memory API on localhost, served "
                                "from its OpenAPI contract.")
    p.add_argument("--api", default=DEFAULT, choices=NAMES, help=f"which API to serve (default {DEFAULT})")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=4010, help="port (default 4010, like Prism)")
    p.add_argument("--fixtures", default="default",
                   help="fixture document to load (default: the API's demo data); 'none' for an empty start")
    p.add_argument("--seed", type=int, default=None, help="seed for deterministic IDs, keys and demo values")
    p.add_argument("--rate-limit", type=parse_rate_limit, default=None,
                   help="quota as N/period (e.g. 100/minute); default: the plan's monthly quota")
    p.add_argument("--validate-responses", action="store_true",
                   help="check every response against the spec (slower; on in the test suite)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--access-log", action="store_true", help="log every request (costs throughput)")
    return p


def banner(app, host: str, port: int) -> str:
    mock = app.mock
    base = f"http://{host}:{port}"
    lines = [f"dakkio-mock listening on {base}  ({mock.profile.title})", f"  Swagger UI:  {base}/ui/",
             f"  OpenAPI:     {base}/openapi.json", f"  Control API: {base}/__mock/health"]
    return "\n".join([*lines, *mock.profile.banner(mock.state, base)])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import uvicorn

    from .app import create_app

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    fixtures = None if args.fixtures.lower() == "none" else args.fixtures
    app = create_app(args.api, fixtures, seed=args.seed, rate_limit=args.rate_limit,
                     validate_responses=args.validate_responses)
    print(banner(app, args.host, args.port), flush=True)
    # Start-up objects (spec, validators, fixtures) never die: keep them out of every GC pass, and
    # collect the young generation less often (request handling allocates many short-lived dicts).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level if args.log_level != "info" else "warning",
                access_log=args.access_log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
