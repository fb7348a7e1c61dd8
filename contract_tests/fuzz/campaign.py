"""``dakkio-contract fuzz``: a time-boxed fuzzing campaign with Schemathesis' engine.

The campaign runs ``schemathesis run`` (every phase: examples, coverage, fuzzing and stateful
sequences through the spec's links; ``--max-time`` makes fuzzing and stateful testing repeat with
fresh seeds until the time is up) in one process per worker, reads the event stream each writes
(``--report ndjson``), deduplicates the failures and, for each unique one, writes a minimal
reproducer that it has replayed against the target: a cassette (``fuzz replay``) and a curl script.

What makes it more than ``st fuzz``: for an API it knows (Dakkio) it first creates a *world*
(a bucket and a data source) and its hooks aim most generated cases at it, so they get past the
"does it exist" 404s and reach the code behind them; failures are deduplicated and come with
reproducers that create what they need; campaigns split across CI runners (``--shard i/n``) and
their reports merge (``fuzz merge``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from . import dakkio, replay, report, shards
from .dedup import Deduper, Unique
from .events import OpStats, Stream, Tail
from .steps import Step, link

PACKAGE_ROOT = Path(__file__).resolve().parents[2]      # the directory holding contract_tests/
DEMO_ADMIN_KEY = replay.DEMO_ADMIN_KEY
PHASES_ALL = "examples,coverage,fuzzing,stateful"
PHASES_MORE = "fuzzing,stateful"                         # workers after the first: no deterministic phases twice
GRACE = 45.0                                             # Schemathesis may finish a step after --max-time


def parse_duration(text: str) -> int:
    """``"10m"``, ``"90s"``, ``"1h30m"``, ``"120"`` -> seconds."""
    text = str(text).strip().lower()
    if re.fullmatch(r"\d+", text):
        return int(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(h|m|min|s|sec)", text)
    if not parts or "".join(a + b for a, b in parts) != re.sub(r"\s+", "", text):
        raise ValueError(f"--duration: expected e.g. 10m, 90s or 1h30m, not {text!r}")
    mult = {"h": 3600, "m": 60, "min": 60, "s": 1, "sec": 1}
    return int(sum(float(a) * mult[b] for a, b in parts))


def default_spec() -> Path:
    here = Path(__file__).resolve().parent.parent
    for base in (here / "_data" / "openapi", here.parent / "openapi"):
        if (base / "dakkio.yaml").exists():
            return base / "dakkio.yaml"
    raise FileNotFoundError("openapi/dakkio.yaml: give --spec")


def default_config() -> Path | None:
    path = Path(__file__).resolve().parent.parent / "schemathesis.toml"
    return path if path.exists() else None


def schemathesis_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "schemathesis.cli"]


# ------------------------------------------------------------------ the target

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mock(spec: str | None = None) -> tuple[str, subprocess.Popen]:
    """``dakkio-mock`` on a free loopback port, as the contract suite starts it (``--spec`` for
    another API's document)."""
    port = _free_port()
    exe = Path(sys.executable).with_name("dakkio-mock")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "mock_server"]
    extra = ["--spec", spec] if spec else ["--validate-responses"]
    proc = subprocess.Popen([*cmd, "--port", str(port), "--seed", "1", *extra, "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the mock did not start: {proc.stderr.read()[-2000:]}")
        try:
            requests.get(url + "/__mock/health", timeout=1)
            return url, proc
        except requests.RequestException:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the mock did not start within 30 s")


def stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ------------------------------------------------------------------ workers

class Worker:
    def __init__(self, index: int, cmd: list[str], env: dict, raw: Path, stream: Stream):
        self.index, self.raw, self.stream = index, raw, stream
        self.ndjson = raw / f"worker-{index}.ndjson"
        self.progress = raw / f"worker-{index}.progress.json"
        self.log = (raw / f"worker-{index}.log").open("w")
        self.tail = Tail(self.ndjson)
        self.proc = subprocess.Popen(cmd, cwd=raw, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def read_progress(self) -> dict:
        try:
            return json.loads(self.progress.read_text())
        except (OSError, ValueError):
            return {}

    def interrupt(self):
        if self.alive():
            self.proc.send_signal(signal.SIGINT)

    def close(self):
        stop(self.proc, timeout=15)
        self.log.close()


def base_path(doc: dict) -> str:
    """The path of the spec's first server (``/v2`` for ``servers: [{url: /v2}]``), '' for ``/``."""
    from urllib.parse import urlsplit

    servers = doc.get("servers") or [{}]
    url = (servers[0] or {}).get("url") or "/"
    return urlsplit(url).path.rstrip("/") if "{" not in url else ""


def worker_cmd(args, spec: str, base_url: str, headers: dict, labels: list[str] | None, seconds: int,
               seed: int, index: int, ndjson: Path, is_dakkio: bool = True) -> list[str]:
    cmd = schemathesis_cmd()
    config = args.config_file or (str(default_config()) if is_dakkio and default_config() else None)
    if config:
        cmd += ["--config-file", str(Path(config).resolve())]
    cmd += ["run", spec, "--url", base_url, "--checks", args.checks, "--mode", args.mode,
            "--phases", PHASES_ALL if index == 0 else PHASES_MORE, "--max-time", str(max(1, seconds)),
            "--seed", str(seed), "--workers", "1", "--report", "ndjson", "--report-ndjson-path", str(ndjson),
            "--generation-database", str(Path(args.corpus).resolve() / "hypothesis") if args.corpus else "none",
            "--no-color"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    for label in labels or []:
        cmd += ["--include-name", label]
    return cmd


# ------------------------------------------------------------------ progress

class Progress:
    def __init__(self, total_ops: int, duration: int, quiet: bool):
        self.total_ops, self.duration, self.quiet = total_ops, duration, quiet
        self.tty = sys.stderr.isatty()
        self.last_print = 0.0

    def line(self, elapsed: float, workers: list[Worker], unique: int) -> str:
        cases, ops, fives = 0, set(), 0
        for w in workers:
            p = w.read_progress()
            cases += p.get("cases", 0)
            ops |= {k for k, v in (p.get("ops") or {}).items() if v}
            fives += p.get("5xx", 0)
        rate = cases / elapsed if elapsed > 0 else 0.0
        return (f"[{elapsed:5.0f}s/{self.duration}s] {cases:,} cases ({rate:.0f}/s)  "
                f"operations {len(ops)}/{self.total_ops}  5xx answers {fives}  unique failures {unique}")

    def tick(self, elapsed: float, workers: list[Worker], unique: int, force: bool = False):
        if self.quiet:
            return
        every = 1.0 if self.tty else 10.0
        if not force and time.monotonic() - self.last_print < every:
            return
        self.last_print = time.monotonic()
        text = self.line(elapsed, workers, unique)
        if self.tty:
            sys.stderr.write("\r" + text.ljust(110))
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def say(self, text: str):
        if self.quiet:
            return
        sys.stderr.write(("\r" + " " * 110 + "\r" if self.tty else "") + text + "\n")
        sys.stderr.flush()


# ------------------------------------------------------------------ the campaign

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dakkio-contract fuzz",
        description="Fuzz an API with Schemathesis' engine until the time is up; deduplicate the failures and "
                    "write a replayable reproducer for each. Subcommands: 'fuzz replay FILE|DIR', 'fuzz merge DIR...'.",
        epilog="Exit status: 0 no failures, 1 failures found, 2 the campaign could not run.")
    p.add_argument("--base-url", help="target (default: start dakkio-mock on a free loopback port)")
    p.add_argument("--spec", help="OpenAPI document, file or URL (default: the Dakkio contract)")
    p.add_argument("--duration", default="2m", help="time budget, e.g. 90s, 10m, 1h (default 2m)")
    p.add_argument("-H", "--header", action="append", metavar="'Name: value'",
                   help="header sent with every request, e.g. credentials -H 'X-API-Key: ...' "
                        "(default against a mock this command starts: the demo admin key)")
    p.add_argument("--workers", type=int, default=1, help="Schemathesis processes on this machine (default 1)")
    p.add_argument("--shard", metavar="i/n", help="fuzz only this runner's share of the operations (CI matrix)")
    p.add_argument("--include", action="append", metavar="OPERATION",
                   help="only this operation (operationId or 'METHOD /path'; repeatable)")
    p.add_argument("--seed", type=int, help="seed of the first worker (default: random; printed)")
    p.add_argument("--out", default="reports/fuzz", help="report directory (default reports/fuzz)")
    p.add_argument("--checks", default="all", help="Schemathesis checks (default all)")
    p.add_argument("--mode", choices=["all", "positive", "negative"], default="all", help="generation mode")
    p.add_argument("--max-failures", type=int, metavar="N", help="stop once N unique failures are found")
    p.add_argument("--config-file", help="schemathesis.toml (default for Dakkio: the suite's own)")
    p.add_argument("--corpus", metavar="DIR", help="keep Hypothesis' example database here between campaigns")
    p.add_argument("--no-world", dest="world_pack", action="store_false",
                   help="do not create the Dakkio world (plain Schemathesis generation)")
    p.add_argument("--no-minimise", dest="minimise", action="store_false",
                   help="keep reproducers as found (no shrinking against the target)")
    p.add_argument("--keep-raw", action="store_true", help="keep Schemathesis' NDJSON event logs (large)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    return p


def main(argv: list[str] | None = None) -> int:
    p = build_parser()
    args = p.parse_args(argv)
    try:
        duration = parse_duration(args.duration)
        headers = replay.parse_headers(args.header)
        shard = shards.parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        p.error(str(exc))
    if args.workers < 1:
        p.error("--workers must be at least 1")
    try:
        return Campaign(args, duration, headers, shard).run()
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 2


class Campaign:
    def __init__(self, args, duration: int, headers: dict, shard: tuple[int, int] | None):
        self.args, self.duration, self.headers, self.shard = args, duration, dict(headers), shard
        self.out = Path(args.out)
        self.seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
        self.prefix = f"fz-{secrets.token_hex(3)}-"
        self.mock: subprocess.Popen | None = None
        self.workers: list[Worker] = []
        self.world = None
        self.dedup = Deduper()

    def log(self, text: str):
        if not self.args.quiet:
            print(text, file=sys.stderr, flush=True)

    def run(self) -> int:
        args = self.args
        started = time.time()
        t0 = time.monotonic()
        base_url = args.base_url
        try:
            spec = args.spec or str(default_spec())
            spec_arg = spec if re.match(r"^https?://", spec) else str(Path(spec).resolve())
            doc = shards.load_spec(spec)
            is_dakkio = dakkio.applies(doc)
            if not base_url:
                base_url, self.mock = start_mock(None if is_dakkio else spec_arg)
                base_url += base_path(doc)
                if is_dakkio and not any(k.lower() == "x-api-key" for k in self.headers):
                    self.headers["X-API-Key"] = DEMO_ADMIN_KEY
                self.log(f"started dakkio-mock at {base_url}")
            base_url = base_url.rstrip("/")
            ops = shards.select(shards.operations(doc), args.include)
            if self.shard:
                ops = shards.shard(ops, *self.shard)
            if not ops:
                self.log("no operations to fuzz (empty shard?)")
                return self._finish(base_url, spec, started, t0, ops, {}, [], world=None)
            labels = [o.label for o in ops]
            restricted = bool(args.include or self.shard)
            for sub in ("failures", "raw"):
                shutil.rmtree(self.out / sub, ignore_errors=True)
            raw = self.out / "raw"
            raw.mkdir(parents=True, exist_ok=True)
            world = None
            if args.world_pack and is_dakkio:
                world = self.world = dakkio.seed(base_url, self.headers, self.prefix)
                (raw / "world.json").write_text(json.dumps(world.to_dict(), indent=2))
                self.log(f"world: bucket {world.variables['bucketId']}, data source {world.variables['dataSourceId']}")
            credentials = {k.lower() for k in self.headers}
            env = dict(os.environ, SCHEMATHESIS_HOOKS="contract_tests.fuzz.hooks", DAKKIO_CONTRACT_PREFIX=self.prefix,
                       PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
                       PYTHONUNBUFFERED="1")
            env.pop("DAKKIO_FUZZ_WORLD", None)
            if world:
                env["DAKKIO_FUZZ_WORLD"] = str((raw / "world.json").resolve())
            seconds = int(self.duration - (time.monotonic() - t0))
            where = f" (shard {self.shard[0]}/{self.shard[1]})" if self.shard else ""
            self.log(f"fuzzing {len(ops)} operation(s){where} "
                     f"for {self.duration}s with {args.workers} worker(s), seed {self.seed}")
            for i in range(args.workers):
                stream = Stream(base_url, credentials, started, worker=i)
                ndjson = (raw / f"worker-{i}.ndjson").resolve()
                cmd = worker_cmd(args, spec_arg, base_url, self.headers, labels if restricted else None, seconds,
                                 self.seed + 1000 * i, i, ndjson, is_dakkio)
                wenv = dict(env, DAKKIO_FUZZ_PROGRESS=str((raw / f"worker-{i}.progress.json").resolve()))
                self.workers.append(Worker(i, cmd, wenv, raw.resolve(), stream))
            self._watch(t0, len(ops))
            findings_ops, errors = self._collect()
            failures = self._reproducers(base_url, world, started)
            if not args.keep_raw:
                for w in self.workers:
                    w.ndjson.unlink(missing_ok=True)
            return self._finish(base_url, spec, started, t0, ops, findings_ops, failures, world, errors)
        finally:
            for w in self.workers:
                w.close()
            if self.mock is None and args.base_url and self.world and self.workers:
                try:
                    n = dakkio.cleanup(args.base_url, self.headers, self.prefix)
                    self.log(f"deleted {n} bucket(s) the campaign created")
                except requests.RequestException:
                    pass
            stop(self.mock)

    def _watch(self, t0: float, total_ops: int) -> None:
        progress = Progress(total_ops, self.duration, self.args.quiet)
        hard_stop = t0 + self.duration + GRACE
        interrupted = False
        while any(w.alive() for w in self.workers):
            self._drain(progress, t0)
            progress.tick(time.monotonic() - t0, self.workers, len(self.dedup))
            limit = self.args.max_failures
            if not interrupted and ((limit and len(self.dedup) >= limit) or time.monotonic() > hard_stop):
                for w in self.workers:
                    w.interrupt()
                interrupted, hard_stop = True, time.monotonic() + 20
            elif interrupted and time.monotonic() > hard_stop:
                for w in self.workers:
                    stop(w.proc, timeout=5)
            time.sleep(0.2)
        self._drain(progress, t0)
        progress.tick(time.monotonic() - t0, self.workers, len(self.dedup), force=True)
        if progress.tty and not self.args.quiet:
            sys.stderr.write("\n")

    def _drain(self, progress: Progress, t0: float) -> None:
        for w in self.workers:
            for line in w.tail.lines():
                for finding in w.stream.feed(line):
                    if self.dedup.add(finding):
                        progress.say(f"new failure after {finding.at:.1f}s: {finding.operation} "
                                     f"{finding.check} ({finding.status}) {finding.title}")

    def _collect(self) -> tuple[dict, list]:
        ops: dict[str, OpStats] = {}
        errors = []
        for w in self.workers:
            for label, s in w.stream.ops.items():
                ops.setdefault(label, OpStats()).merge(s)
            errors += w.stream.errors
            if w.proc.returncode not in (0, 1, None) and not w.stream.finished:
                tail = (w.raw / f"worker-{w.index}.log").read_text(errors="replace")[-1500:]
                errors.append({"label": f"worker {w.index}", "error": f"exit {w.proc.returncode}: {tail}"})
        return ops, errors

    def _reproducers(self, base_url: str, world, started: float) -> list[dict]:
        credentials = sorted(self.headers)
        out = []
        budget_end = time.monotonic() + 120
        for unique in self.dedup.uniques():
            out.append(self._reproducer(unique, base_url, world, credentials, budget_end))
        return out

    def _reproducer(self, unique: Unique, base_url: str, world, credentials: list[str], budget_end: float) -> dict:
        """Write the failure's reproducer: the world's set-up and the failing chain, IDs linked to the
        responses that handed them out; replayed against the target, and a server error minimised."""
        f = unique.first
        expect = {"check": f.check, "status": f.status, "code": f.code}
        setup = world.steps if world else []
        candidates = [f.steps] + ([dakkio.retarget(f.steps, world)] if world else [])
        steps, reproduced, spent = None, None, 0
        for chain in candidates:
            if budget_end - time.monotonic() < 2:
                break
            trial = link([Step.from_dict(s.to_dict()) for s in [*setup, *chain]])
            if self._replays(trial, expect, base_url):
                steps, reproduced = trial, True
                break
            reproduced = False
        if steps is None:
            steps = link([Step.from_dict(s.to_dict()) for s in [*setup, *f.steps]])
        elif self.args.minimise and f.status is not None and f.status >= 500:
            remaining = budget_end - time.monotonic()
            steps, spent = replay.minimise(steps, expect, base_url, self.headers, budget=max(1.0, min(20.0, remaining)))
            reproduced = self._replays(steps, expect, base_url)
        d = self.out / "failures" / unique.id
        d.mkdir(parents=True, exist_ok=True)
        meta = {"id": unique.id, "operation": f.operation, "check": f.check, "code": f.code, "status": f.status,
                "title": f.title, "message": f.message, "signature": f.signature, "also_failed": f.also,
                "first_found_s": round(f.at, 1), "count": unique.count, "base_url": base_url,
                "reproduced_at_write": reproduced, "recorded_with": f"dakkio-contract fuzz, seed {self.seed}"}
        report.write_cassette(d / "cassette.yaml", meta, steps, expect, credentials)
        (d / "repro.sh").write_text(report.curl_script(meta, steps, expect, credentials, base_url, d))
        (d / "repro.sh").chmod(0o755)
        return {**{k: meta[k] for k in ("id", "operation", "check", "code", "status", "title", "message",
                                         "signature", "also_failed", "first_found_s", "count")},
                "reproduced": reproduced, "minimise_requests": spent, "worker": f.worker,
                "dir": f"failures/{unique.id}", "curl": report.one_line_curl(steps[-1], base_url, credentials),
                "steps": len(steps)}

    def _replays(self, steps: list[Step], expect: dict, base_url: str) -> bool:
        try:
            return replay.run(steps, expect, base_url, self.headers).triggered
        except (replay.SetupError, requests.RequestException):
            return False

    def _finish(self, base_url, spec, started, t0, ops, coverage, failures, world, errors=()) -> int:
        elapsed = time.monotonic() - t0
        campaign = {"base_url": base_url, "spec": str(spec), "seed": self.seed, "duration_s": self.duration,
                    "elapsed_s": round(elapsed, 1), "workers": self.args.workers,
                    "shard": f"{self.shard[0]}/{self.shard[1]}" if self.shard else None,
                    "operations": [o.label for o in ops], "world": world.variables if world else None,
                    "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                    "schemathesis": _st_version()}
        self.out.mkdir(parents=True, exist_ok=True)
        summary = report.write(self.out, campaign, coverage, failures, list(errors))
        cases = sum(s.cases for s in coverage.values())
        covered = sum(1 for o in ops if coverage.get(o.label) and coverage[o.label].cases)
        print(f"\nFuzz campaign: {cases:,} cases in {elapsed:.0f}s, {covered}/{len(ops)} operations, "
              f"{len(failures)} unique failure(s); report: {summary}")
        print(report.table(failures))
        if ops and not cases:
            print("no case was sent: see " + str(self.out / "raw"), file=sys.stderr)
            return 2
        return 1 if failures else 0


def _st_version() -> str:
    try:
        from importlib.metadata import version

        return version("schemathesis")
    except Exception:  # noqa: BLE001 - only for the report
        return "?"
