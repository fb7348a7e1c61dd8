"""``dakkio-mock``: serve an API's mock on localhost (Dakkio unless ``--api`` says otherwise)."""

from __future__ import annotations

import argparse
import gc
import logging
import re
import sys
import warnings

from ..profiles import DEFAULT, NAMES
from . import faults, lan

_PERIODS = {"s": "second", "sec": "second", "second": "second", "m": "minute", "min": "minute",
            "minute": "minute", "h": "hour", "hour": "hour", "d": "day", "day": "day",
            "mo": "month", "month": "month"}


def parse_rate_limit(text: str) -> tuple[int, str]:
    """``N/period``, e.g. ``100/minute``, ``10000/month``, ``5/s``."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*([a-z]+)\s*", text or "")
    if not m or m.group(2) not in _PERIODS:
        raise argparse.ArgumentTypeError("expected N/period with period one of second, minute, hour, day, month")
    return int(m.group(1)), _PERIODS[m.group(2)]


def _grammar(parse):
    """An argparse type that checks ``text`` with ``parse`` (core.faults) and keeps the text."""
    def check(text: str) -> str:
        try:
            parse(text)
        except faults.FaultSyntax as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text
    return check


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dakkio-mock", description="A stateful, in-memory API on localhost, served "
                                "from its OpenAPI contract.")
    p.add_argument("--api", default=DEFAULT, choices=NAMES, help=f"which API to serve (default {DEFAULT})")
    p.add_argument("--spec", metavar="PATH", default=None,
                   help="serve this OpenAPI 3.0/3.1 document (YAML or JSON) with no profile: state inferred from it")
    p.add_argument("--accept-credential", action="append", default=[], metavar="VALUE",
                   help="with --spec: accept only this key/token (repeatable); default: any credential present")
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
    p.add_argument("--latency", metavar="DELAY", type=_grammar(faults.parse_delay), default=None,
                   help="delay every API request: 200ms, 100-500ms (uniform) or lognormal:200ms:0.5 (median, sigma)")
    p.add_argument("--fault-rate", metavar="P[:FAULT]", type=_grammar(faults.parse_rate), default=None,
                   help=f"inject a fault into this share of API requests, e.g. 0.05 or 0.1:503 (default fault "
                   f"{faults.DEFAULT_RATE_FAULT}); more in /__mock/faults and the X-Mock-Fault header")
    p.add_argument("--webhooks", choices=["local", "on", "off"], default="local",
                   help="outgoing webhooks: local (default: to this machine and network only), on (anywhere), "
                   "off (log only)")
    return p


def banner(app, host: str, port: int) -> str:
    mock = app.mock
    base = f"http://{lan.browsable(host)}:{port}"
    lines = [f"dakkio-mock listening on {base}  ({mock.profile.title})", f"  Swagger UI:  {base}/ui/",
             f"  OpenAPI:     {base}/openapi.json", f"  Control API: {base}/__mock/health", *lan.lines(host, port)]
    if mock.contract.base_path:
        lines.append(f"  API base:    {base}{mock.contract.base_path}")
    lines += mock.profile.banner(mock.state, base)
    if not mock.profile.handlers or any(p.mode != "profile" for p in mock.plans.values()):
        lines += ["How each operation answers (also at /__mock/operations):", *operations_table(mock.plans.values())]
    return "\n".join(lines)


def operations_table(plans) -> list[str]:
    rows = [(p.method, p.path, p.mode, p.reason) for p in plans]
    width = max((len(f"{m} {path}") for m, path, _, _ in rows), default=10)
    return [f"  {f'{m} {path}':<{width}}  {mode:<8}  {why}" for m, path, mode, why in rows]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import uvicorn

    from .app import create_app

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    fixtures = None if args.fixtures.lower() == "none" else args.fixtures
    if args.spec and fixtures == "default":
        fixtures = None
    from openapi_model.documents import SpecRefused
    try:
        app = create_app(args.api, fixtures, spec=args.spec, credentials=args.accept_credential, seed=args.seed,
                         rate_limit=args.rate_limit,
                         validate_responses=args.validate_responses, latency=args.latency,
                         fault_rate=args.fault_rate, webhooks=args.webhooks)
    except SpecRefused as exc:
        print(f"dakkio-mock: {exc}", file=sys.stderr)
        return 2
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
