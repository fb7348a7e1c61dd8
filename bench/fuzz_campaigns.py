#!/usr/bin/env python3
"""Crash mutants against three ways of testing: the quick profile, our campaign, bare ``st fuzz``.

For each crash mutant of ``tests/crash_mutants.py`` (a mock that answers 500 only on inputs deep
in the input space), on a fresh server each time:

1. the quick profile: ``dakkio-contract --profile quick`` (Schemathesis -n 10 plus the
   hand-written suites); a pass means it missed the crash;
2. our campaign: ``dakkio-contract fuzz --duration BUDGET`` (stops at its first unique failure);
   its reproducer is then replayed against a fresh instance of the mutant (must re-trigger the
   500) and against the correct mock (must not);
3. bare Schemathesis with the same budget, spec, seed, config and key: ``schemathesis fuzz
   --max-time BUDGET --continue-on-failure --exclude-checks ignored_auth`` (its continuous fuzzer:
   multi-step sequences through links; ``ignored_auth`` off because it crashes ``st fuzz`` 4.32.5
   here), stopped as soon as it reports the crash.

Writes ``bench/FUZZ_RESULTS.md``. Not part of the test run: it takes up to
``mutants x (2 x BUDGET + ~30 s)``. Run: ``.venv/bin/python bench/fuzz_campaigns.py [--budget 120]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract_tests.fuzz import report as fuzz_report  # noqa: E402
from contract_tests.fuzz import shards  # noqa: E402
from contract_tests.fuzz.events import Stream, Tail  # noqa: E402
from tests.crash_mutants import CRASH_MUTANTS  # noqa: E402
from tests.livemock import free_port  # noqa: E402

BIN = Path(sys.executable).parent
ADMIN = "dakkio_a_demoadmin0000000000000000000000000000000"
SPEC = ROOT / "openapi" / "dakkio.yaml"
CONFIG = ROOT / "contract_tests" / "schemathesis.toml"
WORK = ROOT / "bench" / ".work" / "fuzz"


class Server:
    """``python -m tests.crash_mutants NAME`` on a free port."""

    def __init__(self, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.crash_mutants", name, "--port", str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(self.url + "/__mock/health", timeout=1)
                return
            except requests.RequestException:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start") from None
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def labels() -> dict[str, str]:
    return {o.operation_id: o.label for o in shards.operations(shards.load_spec(str(SPEC)))}


def quick_profile(name: str) -> dict:
    server = Server(name)
    try:
        t = time.monotonic()
        out = subprocess.run([str(BIN / "dakkio-contract"), "--base-url", server.url, "--admin-key", ADMIN,
                              "--profile", "quick", "-p", "no:randomly"], cwd=ROOT, capture_output=True, text=True,
                             timeout=900, env=dict(os.environ, DAKKIO_RUN_ID=f"bq{os.getpid()}"))
        failed = [line.split(" ")[1] for line in out.stdout.splitlines() if line.startswith("FAILED ")]
        return {"caught": out.returncode != 0, "failed": failed[:3], "seconds": time.monotonic() - t}
    finally:
        server.stop()


def ours(name: str, targets: list[str], budget: int, seed: int, control_url: str) -> dict:
    out_dir = WORK / name / "ours"
    server = Server(name)
    try:
        t = time.monotonic()
        proc = subprocess.run([str(BIN / "dakkio-contract"), "fuzz", "--base-url", server.url, "-H", f"X-API-Key: {ADMIN}",
                               "--duration", f"{budget}s", "--seed", str(seed), "--max-failures", "1", "--out", str(out_dir),
                               "-q"], cwd=ROOT, capture_output=True, text=True, timeout=budget + 400)
        wall = time.monotonic() - t
    finally:
        server.stop()
    doc = json.loads((out_dir / "report.json").read_text())
    covs = [doc.get("coverage", {}).get(label, {}) for label in targets]
    op_cases = sum(c.get("cases", 0) for c in covs)
    share = sum(c.get("statuses", {}).get("2xx", 0) for c in covs) / max(op_cases, 1)
    hit = next((f for f in doc["failures"] if f["operation"] in targets and (f.get("status") or 0) >= 500), None)
    result = {"found": hit is not None, "at": hit["first_found_s"] if hit else None, "wall": wall,
              "cases": sum(c["cases"] for c in doc.get("coverage", {}).values()), "op_cases": op_cases,
              "op_2xx": share, "exit": proc.returncode, "other": [f["operation"] for f in doc["failures"] if f is not hit],
              "operation": hit["operation"] if hit else None}
    if hit:
        cassette = out_dir / hit["dir"] / "cassette.yaml"
        result["curl"] = hit["curl"]
        result["steps"] = hit.get("steps")
        result["reproducer"] = str(cassette.relative_to(ROOT))
        fresh = Server(name)
        try:
            result["replay_mutant"] = _replay(cassette, fresh.url)
        finally:
            fresh.stop()
        result["replay_control"] = _replay(cassette, control_url)
    return result


def _replay(cassette: Path, url: str) -> bool:
    out = subprocess.run([str(BIN / "dakkio-contract"), "fuzz", "replay", str(cassette), "--base-url", url,
                          "-H", f"X-API-Key: {ADMIN}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return out.returncode == 1


def bare(name: str, targets: list[str], budget: int, seed: int) -> dict:
    out_dir = WORK / name / "bare"
    out_dir.mkdir(parents=True, exist_ok=True)
    ndjson = out_dir / "events.ndjson"
    ndjson.unlink(missing_ok=True)
    server = Server(name)
    started = time.time()
    cmd = [str(BIN / "schemathesis"), "--config-file", str(CONFIG), "fuzz", str(SPEC), "--url", server.url,
           "-H", f"X-API-Key: {ADMIN}", "--checks", "all", "--exclude-checks", "ignored_auth",
           "--max-time", str(budget), "--seed", str(seed), "--continue-on-failure", "--generation-database", "none", "--report", "ndjson",
           "--report-ndjson-path", str(ndjson), "--no-color"]
    log = (out_dir / "output.txt").open("w")
    proc = subprocess.Popen(cmd, cwd=out_dir, stdout=log, stderr=subprocess.STDOUT)
    stream, tail, hit = Stream(server.url, {"x-api-key"}, started), Tail(ndjson), None
    try:
        deadline = time.monotonic() + budget + 60
        while proc.poll() is None and hit is None:
            for line in tail.lines():
                for f in stream.feed(line):
                    if f.operation in targets and (f.status or 0) >= 500 and hit is None:
                        hit = f
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for line in tail.lines():
            for f in stream.feed(line):
                if f.operation in targets and (f.status or 0) >= 500 and hit is None:
                    hit = f
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        server.stop()
    covs = [stream.ops[label] for label in targets if label in stream.ops]
    op_cases = sum(c.cases for c in covs)
    share = sum(c.statuses.get("2xx", 0) for c in covs) / max(op_cases, 1)
    result = {"found": hit is not None, "at": hit.at if hit else None, "wall": time.time() - started,
              "cases": sum(s.cases for s in stream.ops.values()), "op_cases": op_cases, "op_2xx": share,
              "operation": hit.operation if hit else None}
    if hit:
        result["curl"] = fuzz_report.one_line_curl(hit.steps[-1], server.url, ["X-API-Key"])
    return result


def fmt_time(r: dict) -> str:
    return f"{r['at']:.1f} s" if r.get("found") else "-"


def write(results: dict, budget: int, seed: int, path: Path) -> None:
    found_ours = sum(r["ours"]["found"] for r in results.values())
    found_bare = sum(r["bare"]["found"] for r in results.values())
    missed_quick = sum(not r["quick"]["caught"] for r in results.values())
    lines = [
        "# Fuzz campaigns against the crash mutants", "",
        f"`bench/fuzz_campaigns.py`, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Schemathesis {_version('schemathesis')}; budget {budget} s per campaign, "
        f"seed {seed}. Each run on a fresh server of the mutant (`python -m tests.crash_mutants NAME`).", "",
        "- **quick profile**: `dakkio-contract --profile quick` (Schemathesis -n 10 plus the hand-written suites); "
        "\"missed\" = it passed.",
        "- **ours**: `dakkio-contract fuzz --duration BUDGET --max-failures 1` (all phases, the Dakkio world, "
        "deduplication, reproducers). Time to first find is from the campaign's start.",
        "- **bare**: `schemathesis fuzz --max-time BUDGET --continue-on-failure` with the same spec, seed, "
        "config file and admin key, stopped once it reports the crash. Without `--exclude-checks ignored_auth` "
        "`st fuzz` 4.32.5 stops after a few seconds against this API with `RuntimeError: dictionary changed size "
        "during iteration` (its scenario validation iterates the recorder while the `ignored_auth` check adds "
        "cases to it), so that one check is off for it.",
        "- **2xx share**: of the cases each tool sent to the crashing operation, the share answered 2xx "
        "(the deep code runs only behind them).", "",
        f"Found: ours {found_ours}/{len(results)}, bare `st fuzz` {found_bare}/{len(results)}; "
        f"the quick profile missed {missed_quick}/{len(results)}.", "",
        "| mutant | crashes on | quick profile | ours: found | ours: first find | ours: 2xx share | "
        "bare: found | bare: first find | bare: 2xx share | reproducer replays on mutant / correct mock |",
        "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        m, q, o, b = CRASH_MUTANTS[name], r["quick"], r["ours"], r["bare"]
        replays = (f"{'yes' if o.get('replay_mutant') else 'NO'} / {'500 (WRONG)' if o.get('replay_control') else 'no 500'}"
                   if o["found"] else "-")
        lines.append(f"| `{name}` ({m.kind}) | {m.trigger} | {'caught' if q['caught'] else 'missed'} | "
                     f"{'yes' if o['found'] else 'no'} | {fmt_time(o)} | {o['op_2xx']:.0%} of {o['op_cases']} | "
                     f"{'yes' if b['found'] else 'no'} | {fmt_time(b)} | {b['op_2xx']:.0%} of {b['op_cases']} | {replays} |")
    lines += ["", "## Reproducers", ""]
    for name, r in results.items():
        o, b = r["ours"], r["bare"]
        lines += [f"### `{name}`", ""]
        if o["found"]:
            setup = "no set-up needed" if o.get("steps") == 1 else \
                f"{o.get('steps')} requests: the set-up creates the bucket and the data source the placeholders stand for"
            lines += [f"Ours (minimised and replayed; {setup}; cassette `{o.get('reproducer')}`, under the "
                      "uncommitted `bench/.work/`), the failing request:",
                      "", "```sh", o["curl"], "```", ""]
        else:
            lines += [f"Ours: not found in {budget} s ({o['cases']} cases).", ""]
        if b["found"]:
            lines += ["Bare `st fuzz`, the failing request:", "", "```sh", b["curl"], "```", ""]
        else:
            lines += [f"Bare `st fuzz`: not found in {budget} s ({b['cases']} cases).", ""]
    path.write_text("\n".join(lines))


def _version(pkg: str) -> str:
    from importlib.metadata import version

    return version(pkg)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=int, default=120, help="seconds per campaign (default 120)")
    p.add_argument("--seed", type=int, default=20261202)
    p.add_argument("--mutants", help="comma-separated names (default: all crash mutants)")
    p.add_argument("--skip-quick", action="store_true")
    p.add_argument("--out", default=str(ROOT / "bench" / "FUZZ_RESULTS.md"))
    p.add_argument("--rewrite", action="store_true", help="only rewrite the results file from the last run's results.json")
    args = p.parse_args(argv)
    if args.rewrite:
        write(json.loads((WORK / "results.json").read_text()), args.budget, args.seed, Path(args.out))
        return 0
    names = args.mutants.split(",") if args.mutants else [n for n in CRASH_MUTANTS if n != "control"]
    ops = labels()
    control = Server("control")
    results = {}
    try:
        for name in names:
            targets = [ops[op] for op in CRASH_MUTANTS[name].operations]
            print(f"== {name} ({', '.join(targets)})", flush=True)
            q = {"caught": False, "failed": [], "seconds": 0} if args.skip_quick else quick_profile(name)
            print(f"   quick profile: {'caught' if q['caught'] else 'missed'} {q['failed']} in {q['seconds']:.0f}s", flush=True)
            o = ours(name, targets, args.budget, args.seed, control.url)
            print(f"   ours: found={o['found']} at={o['at']} replay mutant={o.get('replay_mutant')} "
                  f"control={o.get('replay_control')} ({o['cases']} cases)", flush=True)
            b = bare(name, targets, args.budget, args.seed)
            print(f"   bare st fuzz: found={b['found']} at={b['at']} ({b['cases']} cases)", flush=True)
            results[name] = {"quick": q, "ours": o, "bare": b}
            write(results, args.budget, args.seed, Path(args.out))
    finally:
        control.stop()
    (WORK / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
