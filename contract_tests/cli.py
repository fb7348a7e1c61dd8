"""``dakkio-contract``: gate a deployment of any OpenAPI 3.0 contract (Dakkio's by default): the generic
gate from the spec, plus the semantic suites of a known API (a thin wrapper over pytest)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "fuzz":   # fuzzing campaigns: contract_tests/fuzz/
        from .fuzz import main as fuzz_main

        return fuzz_main(argv[1:])
    p = argparse.ArgumentParser(prog="dakkio-contract", description=__doc__,
                                epilog="Other arguments go to pytest (e.g. -k, -m data, -x, -v).")
    p.add_argument("--base-url", help="target (env DAKKIO_BASE_URL); default: start dakkio-mock on a free port")
    p.add_argument("--admin-key", help="admin API key (env DAKKIO_ADMIN_KEY)")
    p.add_argument("--spec", help="the target's OpenAPI 3.0 document (default: Dakkio's); any spec gets the generic gate")
    p.add_argument("--pack", choices=["auto", "dakkio", "mixpeek", "none"], default="auto",
                   help="semantic suites on top of the generic gate (auto: detected from the spec)")
    p.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'", help="a credential header")
    p.add_argument("--bearer", metavar="TOKEN", help="token for HTTP bearer / OAuth2 / OpenID Connect schemes")
    p.add_argument("--api-key", metavar="KEY", help="key for the spec's apiKey scheme (header, query or cookie)")
    p.add_argument("--basic", metavar="USER:PASSWORD", help="credentials for HTTP basic schemes")
    p.add_argument("--profile", choices=["quick", "thorough"], default="quick",
                   help="quick: CI-sized Schemathesis run; thorough: many more examples")
    p.add_argument("--read-only", action="store_true", help="only safe requests, for production: no writes at all")
    p.add_argument("--lenient", action="store_true", help="failed DESIGN.md assumptions become warnings")
    p.add_argument("--report", metavar="DIR", help="write junit.xml, conformance.md and Schemathesis reports here")
    p.add_argument("--skip-schemathesis", action="store_true", help="hand-written suites only")
    p.add_argument("--exclude-checks", metavar="CHECK,...",
                   help="Schemathesis checks to leave out, e.g. status_code_conformance for a spec that documents "
                   "no 4xx for invalid input, ignored_auth against a mock that checks credential presence only")
    p.add_argument("--webhook-host", metavar="HOST[:PORT]",
                   help="an address of this machine the target can reach, to receive and check alert webhooks")
    args, rest = p.parse_known_args(argv)
    pyargs = [str(HERE), "-p", "no:cacheprovider", "--rootdir", str(HERE), "-q", f"--profile={args.profile}"]
    for flag in ("base_url", "admin_key", "webhook_host", "spec", "pack", "bearer", "api_key", "basic", "exclude_checks"):
        value = getattr(args, flag)
        if value:
            pyargs.append(f"--{flag.replace('_', '-')}={value}")
    pyargs += [f"--header={h}" for h in args.header]
    for flag in ("read_only", "lenient", "skip_schemathesis"):
        if getattr(args, flag):
            pyargs.append(f"--{flag.replace('_', '-')}")
    if args.report:
        Path(args.report).mkdir(parents=True, exist_ok=True)
        pyargs += [f"--report={args.report}", f"--junitxml={Path(args.report) / 'junit.xml'}"]
    return int(pytest.main(pyargs + rest))


if __name__ == "__main__":
    sys.exit(main())
