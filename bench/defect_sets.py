#!/usr/bin/env python3
"""The gate against a set of broken servers it has never seen: how many defects it catches.

A defect set is a directory of patches (``git diff`` output against this repository), each one
realistic defect written into the mock by someone who did not read the suite. For each patch, on a
copy of the repository at ``--rev`` (default HEAD), this script applies it, serves the broken mock
on a port of its own, checks that the server answering there is that one, and runs this checkout's
``dakkio-contract`` against it: Dakkio's pack and the gate by default; a patch whose file name names
``mixpeek``, ``petstore`` or ``airflow`` is served and gated as that target. A run that fails is a
defect caught; one that passes, missed.

    .venv/bin/python bench/defect_sets.py DIR [--rev REV] [--full] [--workers 2] [--json OUT]

``--full`` adds Schemathesis (the quick profile as CI runs it); by default the hand-written packs and
the gate only, a few seconds a defect. Prints one row per defect and the totals. Not part of the
test run (a set of 50 takes about two minutes on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.livemock import free_port  # noqa: E402

BIN = Path(sys.executable).parent
ADMIN = "dakkio_a_demoadmin0000000000000000000000000000000"
PETSTORE = "tests/thirdparty/oai_petstore_expanded/petstore-expanded.yaml"
AIRFLOW = "tests/thirdparty/airflow_v1/v1.yaml"
TARGETS = {   # name in the patch's file name -> (mock arguments, dakkio-contract arguments)
    "mixpeek": (["--api", "mixpeek"], ["--spec", str(ROOT / "openapi" / "mixpeek.yaml")]),
    "petstore": (["--spec", PETSTORE], ["--spec", str(ROOT / PETSTORE)]),
    "airflow": (["--spec", AIRFLOW, "--accept-credential", "admin:secret"],
                ["--spec", str(ROOT / AIRFLOW), "--basic", "admin:secret",
                 "--exclude-checks", "status_code_conformance"]),   # Airflow documents no 4xx for most input
    "dakkio": ([], ["--admin-key", ADMIN]),
}


@dataclass
class Outcome:
    defect: str
    target: str
    verdict: str          # caught | missed | not applied | did not start
    failed: int
    first: str
    seconds: float


def target_of(patch: Path) -> str:
    return next((name for name in ("mixpeek", "petstore", "airflow") if name in patch.name), "dakkio")


def measure(patch: Path, rev: str, full: bool) -> Outcome:
    started, target = time.monotonic(), target_of(patch)
    serve_args, gate_args = TARGETS[target]
    work = Path(tempfile.mkdtemp(prefix="defect-"))
    proc = None
    try:
        subprocess.run(["git", "clone", "-q", "--shared", str(ROOT), str(work)], check=True)
        subprocess.run(["git", "-C", str(work), "checkout", "-q", rev], check=True)
        if subprocess.run(["git", "-C", str(work), "apply", str(patch.resolve())], capture_output=True).returncode:
            return Outcome(patch.stem, target, "not applied", 0, "", time.monotonic() - started)
        port = free_port()
        env = dict(os.environ, PYTHONPATH=str(work))          # the broken copy, not this checkout
        proc = subprocess.Popen([sys.executable, "-m", "mock_server", "--port", str(port), "--seed", "1",
                                 "--log-level", "warning", *serve_args], cwd=work, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        if not _up(url, proc):
            return Outcome(patch.stem, target, "did not start", 0, "", time.monotonic() - started)
        cmd = [str(BIN / "dakkio-contract"), "--base-url", url, *gate_args, "-p", "no:randomly"]
        if not full:
            cmd.append("--skip-schemathesis")
        run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1800,
                             env=dict(os.environ, DAKKIO_RUN_ID=f"d{port}"))
        if proc.poll() is not None:       # the server died under the suite: not a verdict on the suite
            return Outcome(patch.stem, target, "did not start", 0, "server exited", time.monotonic() - started)
        failed = [line.split(" ")[1] for line in run.stdout.splitlines() if line.startswith("FAILED ")]
        verdict = "caught" if run.returncode == 1 else "missed" if run.returncode == 0 else f"suite error {run.returncode}"
        return Outcome(patch.stem, target, verdict, len(failed), failed[0] if failed else "", time.monotonic() - started)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


def _up(url: str, proc) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(url + "/__mock/health", timeout=1).ok:
                return proc.poll() is None        # answered, and by this process (still running)
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("directory", type=Path, help="a directory of *.patch files, one defect each")
    p.add_argument("--rev", default="HEAD", help="the commit the patches apply to (default HEAD)")
    p.add_argument("--full", action="store_true", help="with Schemathesis (the quick profile)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--json", type=Path, help="write the outcomes here")
    args = p.parse_args(argv)
    patches = sorted(args.directory.glob("*.patch"))
    if not patches:
        print(f"no *.patch in {args.directory}", file=sys.stderr)
        return 2
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", args.rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        outcomes = list(pool.map(lambda patch: measure(patch, rev, args.full), patches))
    print(f"{'defect':<52} {'target':<9} {'verdict':<14} first failing case")
    for o in outcomes:
        print(f"{o.defect:<52} {o.target:<9} {o.verdict:<14} {o.first}")
    judged = [o for o in outcomes if o.verdict in ("caught", "missed")]
    caught = sum(o.verdict == "caught" for o in judged)
    print(f"\ncaught {caught}/{len(judged)} defects ({'with' if args.full else 'without'} Schemathesis)"
          + (f"; {len(outcomes) - len(judged)} not judged (not applied, did not start, suite error)"
             if len(judged) < len(outcomes) else ""))
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
