"""Assemble the results of bench/run into one table (stdout) and bench/RESULTS.md.

Reads the JSON files the benchmark scripts wrote into a results directory; a missing file
(a benchmark that failed or timed out) shows as ERROR rather than stopping the report.

Usage: python bench/report.py RESULTS_DIR [--out bench/RESULTS.md]
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import benchlib as B

PACKAGES = ("connexion", "starlette", "uvicorn", "numpy", "uvloop", "httptools", "jsonschema", "orjson")


def load(results: Path, name: str) -> dict | None:
    p = results / f"{name}.json"
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def command_output(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "n/a"


def machine(results: Path) -> list[tuple[str, str]]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    versions = []
    for pkg in PACKAGES:
        try:
            versions.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{pkg} (not installed)")
    git = command_output(["git", "-C", str(B.ROOT), "log", "-1", "--format=%h %s"])
    try:
        dirty = subprocess.run(["git", "-C", str(B.ROOT), "status", "--porcelain", "--", "mock_server", "openapi"],
                               capture_output=True, text=True, timeout=30).stdout.split("\n")
        dirty = ", ".join(line[3:] for line in dirty if line.strip())
    except (OSError, subprocess.TimeoutExpired):
        dirty = ""
    load_start = (results / "loadavg_start.txt").read_text().strip() if (results / "loadavg_start.txt").exists() else "?"
    with open("/proc/loadavg") as f:
        load_end = f.read().strip()
    return [
        ("date (UTC)", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")),
        ("nproc", str(len(os.sched_getaffinity(0)))),
        ("CPU model", cpu),
        ("memory", mem),
        ("kernel", platform.release()),
        ("Python", platform.python_version()),
        ("packages", ", ".join(versions)),
        ("wrk", command_output(["wrk", "--version"]).split(" Copyright")[0]),
        ("Prism", command_output([B.PRISM, "--version"])),
        ("node", command_output(["node", "--version"])),
        ("code measured (at the end of the run)", git + (f" + uncommitted changes to {dirty}" if dirty else "")),
        ("code at the start of the run", git_start(results)),
        ("load average before / after", f"{load_start} / {load_end}"),
    ]


def git_start(results: Path) -> str:
    try:
        lines = (results / "git_start.txt").read_text().splitlines()
    except OSError:
        return "?"
    if not lines:
        return "?"
    dirty = ", ".join(line[3:] for line in lines[1:] if line.strip())
    return lines[0] + (f" + uncommitted changes to {dirty}" if dirty else "")


def fmt(v, spec: str = ",.0f") -> str:
    return "n/a" if v is None else format(v, spec)


def verdict(ok: bool | None) -> str:
    return "ERROR" if ok is None else ("PASS" if ok else "FAIL")


def main_rows(results: Path) -> list[tuple[str, str, str, str]]:
    """(benchmark, result, target, PASS/FAIL)."""
    rows = []
    http = load(results, "throughput")
    for ep, label in (("GET", f"GET /api/buckets/{B.BUCKET_ID}"), ("POST", "POST /api/data (1 point)")):
        if http:
            s = http["summary"]
            non2xx = "/".join(str(s[n][ep]["non2xx"]) for n in ("mock", "prism", "bare"))
            codes = "/".join(str(s[n][ep]["status"]) for n in ("mock", "prism", "bare"))
            rows.append((f"HTTP {label}: req/s mock / Prism / bare (median)",
                         " / ".join(fmt(s[n][ep]["rps"]) for n in ("mock", "prism", "bare"))
                         + f" (non-2xx {non2xx}; status {codes})", "", ""))
            r = http["ratios"][ep]
            rows.append((f"HTTP {ep}: mock / Prism", f"{r['mock/prism']:.2f}x", ">= 1.5x",
                         verdict(r["mock/prism"] >= 1.5)))
            rows.append((f"HTTP {ep}: mock / bare Starlette", f"{r['mock/bare']:.2f}x", ">= 0.5x",
                         verdict(r["mock/bare"] >= 0.5)))
        else:
            rows.append((f"HTTP {label}", "ERROR", "", "ERROR"))
    generic = load(results, "generic")
    for ep, label in (("GET", "GET /pets/{id}"), ("POST", "POST /pets")):
        if generic:
            g = generic["summary"]
            rows.append((f"Any spec (petstore-expanded, no profile) {label}: req/s dakkio-mock --spec / Prism",
                         f"{fmt(g['mock'][ep]['rps'])} / {fmt(g['prism'][ep]['rps'])} "
                         f"(non-2xx {g['mock'][ep]['non2xx']}/{g['prism'][ep]['non2xx']})", "", ""))
            rows.append((f"Any spec {ep}: dakkio-mock --spec / Prism", f"{generic['ratios'][ep]:.2f}x", ">= 2x",
                         verdict(generic["ratios"][ep] >= 2)))
        else:
            rows.append((f"Any spec {label}", "ERROR", "", "ERROR"))
    batch = load(results, "batch")
    rows.append(("Batch ingest, POST /api/data/batch x 1000 points (HTTP)",
                 f"{fmt(batch['points_per_s'])} points/s" if batch else "ERROR", ">= 200,000 points/s",
                 verdict(batch["points_per_s"] >= 200_000 if batch else None)))
    eng = load(results, "engine")
    q = eng["queries"] if eng else {}
    for key, label, target in (
        ("raw_window_1000", "Engine: raw 1000-point window (source with downsampling off)", 5),
        ("avg_by_hour_all", "Engine: avg by hour over 30 days / 1M points", 50),
        ("downsampled_7d", "Engine: auto-downsampled 7-day query", 50),
    ):
        r = q.get(key)
        rows.append((label, f"{r['median_ms']:.2f} ms" if r else "ERROR", f"< {target} ms",
                     verdict(r["median_ms"] < target if r else None)))
    mem = load(results, "memory")
    rows.append(("Memory: RSS growth per stored point (1M points)",
                 f"{mem['bytes_per_point']:.1f} bytes" if mem else "ERROR", "<= 64 bytes",
                 verdict(mem["bytes_per_point"] <= 64 if mem else None)))
    st = load(results, "startup")
    rows.append(("Start-up: launch to first 200 from /__mock/health (median of 3)",
                 f"{st['median_s']:.3f} s" if st else "ERROR", "<= 1.5 s",
                 verdict(st["median_s"] <= 1.5 if st else None)))
    return rows


STEP_OF_ROW = (("HTTP", "throughput"), ("Any spec", "generic"), ("Batch", "batch"), ("Engine", "engine"), ("Memory", "memory"),
               ("Start-up", "startup"))


def with_load(results: Path, rows: list[tuple]) -> tuple[list[tuple], list[str]]:
    """Add the 'other load' column (CPUs used by other processes during the step) and warnings."""
    out, warnings = [], []
    for row in rows:
        step = next(s for prefix, s in STEP_OF_ROW if row[0].startswith(prefix))
        ld = load(results, f"{step}.load")
        out.append((*row, f"{ld['other_cpus']:.2f}" if ld else "?"))
    quiet = load(results, "quiet")
    if quiet and not quiet["quiet"]:
        warnings.append(f"the machine was not quiet at the start (other processes used {quiet['other_cpus']:.2f} "
                        f"CPUs after waiting {quiet['waited_s']:.0f} s).")
    for step in [*dict.fromkeys(s for _, s in STEP_OF_ROW), "inproc"]:
        ld = load(results, f"{step}.load")
        if ld and ld["other_cpus"] > 0.15:
            warnings.append(f"{step}: other processes used {ld['other_cpus']:.2f} CPUs on average "
                            f"(steal {ld['steal_cpus']:.2f}); its figures are depressed and noisy.")
    return out, warnings


def table(rows, headers) -> list[str]:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in rows)]


def details(results: Path) -> list[str]:
    out = []
    http = load(results, "throughput")
    if http:
        c = http["config"]
        out += ["", "## HTTP throughput, per server", "",
                f"wrk -t1 -c{c['connections']} --latency, {c['rounds']} interleaved rounds of {c['seconds']:.0f} s "
                f"after a {c['warmup']:.0f} s warm-up per (server, request); servers on CPU {c['server_cpu']}, "
                f"wrk on CPU {c['load_cpu']}; POST body {c['post_body_bytes']} bytes. Commands:", ""]
        out += [f"- {name}: `{cmd}`" for name, cmd in http["commands"].items()]
        rows = []
        for name, by_ep in http["summary"].items():
            for ep, s in by_ep.items():
                rows.append((name, ep, fmt(s["rps"]), ", ".join(fmt(x) for x in s["rps_runs"]),
                             f"{s['p50_ms']:.2f}", f"{s['p99_ms']:.2f}", fmt(s["requests"]), s["non2xx"],
                             s["socket_errors"], s["status"], f"{s['other_cpus']:.2f} / {s['steal_cpus']:.2f}"))
        out += [""] + table(rows, ("server", "request", "median req/s", "runs", "p50 ms", "p99 ms", "requests",
                                   "non-2xx", "socket errors", "curl status", "other load / steal (CPUs)"))
        out += ["", "Ratios round by round (same round, adjacent in time): " + "; ".join(
            f"{ep} mock/Prism " + ", ".join(f"{x:.2f}" for x in r["mock/prism_by_round"])
            + ", mock/bare " + ", ".join(f"{x:.2f}" for x in r["mock/bare_by_round"])
            for ep, r in http["ratios"].items()) + ".",
            "", "'other load' is CPU time used by processes other than the server and wrk during each run "
            "(machine busy time minus theirs), median over rounds; on a 2-CPU machine anything above ~0.1 "
            "means the figures are depressed and noisy."]
    batch = load(results, "batch")
    if batch:
        out += ["", "## Batch ingest", "",
                f"`wrk -t1 -c{batch['connections']} -s bench/batch.lua` (bodies built in Lua, every point with its own "
                f"timestamp), {len(batch['rounds'])} rounds of {batch['seconds_per_round']:.0f} s on one mock: median "
                f"{fmt(batch['points_per_s'])} points/s.", "",
                "| round | points/s | batches | p50 ms | p99 ms | non-2xx | socket errors | stored points grew by "
                "| acknowledged | other load (CPUs) |",
                "|-------|----------|---------|--------|--------|---------|---------------|----------------------"
                "|--------------|-------------------|",
                *(f"| {i} | {fmt(x['points_per_s'])} | {x['batches']} | {x['p50_ms']:.1f} | {x['p99_ms']:.1f} | "
                  f"{x['non2xx']} | {x['socket_errors']} | {fmt(x['stored_points_delta'])} | "
                  f"{fmt(x['acknowledged_points'])} | {x['other_cpus']:.2f} |" for i, x in enumerate(batch["rounds"], 1)),
                "", f"A round may store up to {batch['connections']} batches more than it acknowledged: those in "
                "flight when wrk stopped." + "".join(f" Error: {e}." for e in batch.get("errors", []))]
    eng = load(results, "engine")
    if eng:
        out += ["", "## Engine (in-process, no HTTP)", "",
                f"{fmt(eng['points'])} points over {eng['days']} days, {eng['fields']} numeric fields, "
                f"{eng['metadata_variants']} metadata variants; loaded in {eng['load_seconds']:.1f} s "
                f"(`Series.append_many` {fmt(eng['append_many_points_per_s'])} points/s; `services.ingest.ingest` in "
                f"1000-point batches {fmt(eng['store_ingest_points_per_s'])} points/s). The raw 1000-point window "
                "runs on a source with downsampling off that shares the same Series; the 500-point window runs "
                "on the downsampling source (<= 500 matches, so no auto-downsampling).", ""]
        rows = []
        for name, r in eng["queries"].items():
            how = (f"auto-downsampled to {r['group_by']}" if r["downsampling_applied"]
                   else f"{r['aggregation']} by {r['group_by']}" if r["aggregation"] else "raw")
            rows.append((name, f"{r['median_ms']:.2f}", f"{r['min_ms']:.2f}", f"{r['cold_ms']:.2f}", r["runs"],
                         r["rows"], how))
        out += table(rows, ("query", "median ms", "min ms", "first call ms", "runs", "rows", "mode"))
    mem = load(results, "memory")
    if mem:
        out += ["", "## Memory", "",
                f"RSS {mem['rss_before'] / 2**20:.1f} -> {mem['rss_after'] / 2**20:.1f} MiB for "
                f"{fmt(mem['points'])} points = {mem['bytes_per_point']:.1f} bytes/point (peak during load "
                f"{mem['peak_growth_bytes_per_point']:.1f}). The numpy columns hold {mem['column_bytes'] / 2**20:.1f} MiB "
                f"for a capacity of {fmt(mem['capacity'])} slots ({mem['column_bytes_per_slot']:.0f} bytes/slot, "
                f"{mem['column_bytes_per_point']:.1f} bytes/stored point: capacity doubles); "
                f"{mem['metadata_entries']} metadata entries, {mem['side_table_entries']} side-table entries."]
    st = load(results, "startup")
    if st:
        ph = st["phases_s"]
        out += ["", "## Start-up", "",
                f"Runs: {', '.join(f'{x:.3f} s' for x in st['runs_s'])}. In a fresh interpreter: Python itself "
                f"{ph['python_startup']:.3f} s, `import connexion` {ph['import_connexion']:.3f} s, "
                f"`import mock_server.core.app` (and the Dakkio profile) {ph['import_mock_server_app']:.3f} s, `create_app()` with demo fixtures "
                f"{ph['create_app']:.3f} s, `import uvicorn` {ph['import_uvicorn']:.3f} s."]
    ip = load(results, "inproc")
    if ip:
        out += ["", "## Where the time goes (mock's ASGI app in-process, no sockets)", ""]
        rows = [(k, f"{v:,.1f}", f"{1e6 / v:,.0f} req/s" if not k.endswith("batch1000")
                 else f"{1e9 / v:,.0f} points/s") for k, v in ip["us_per_request"].items()]
        out += table(rows, ("app and request", "us/request", "equivalent"))
        for label, prof in ip["profile"].items():
            out += ["", f"cProfile of the mock, {label} ({prof['total_us']:,.0f} us/request under the profiler, "
                        "which inflates call-heavy code); own time by where the code lives:", ""]
            out += table([(f"{s['share']:.1%}", f"{s['us']:,.1f}", s["stage"]) for s in prof["stages"]],
                         ("share", "us", "code"))
            out += ["", "Top functions by own time:", ""]
            out += table([(f"{r['own_us']:,.1f}", f"{r['calls_per_request']:.1f}", f"`{r['function']}`")
                          for r in prof["top_own"]], ("own us", "calls", "function"))
    return out


def main() -> int:
    results = Path(sys.argv[1])
    out_path = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else B.BENCH / "RESULTS.md"
    rows, warnings = with_load(results, main_rows(results))
    main_table = table(rows, ("benchmark", "result", "target", "verdict", "other load (CPUs)"))
    notes = [f"- Warning: {w}" for w in warnings]
    print("\n".join(main_table + [""] + notes))
    doc = ["# dakkio-mock benchmark results", "",
           "Written by `bench/run` (do not edit by hand). Loopback only; servers pinned to CPU0, load to CPU1. "
           "'other load' = CPU used by processes other than the benchmark's own during that step.", "",
           *main_table, "", *notes, "", "## Machine", ""]
    doc += [f"- {k}: {v}" for k, v in machine(results)]
    doc += details(results)
    # Paths relative to the repository: the file is committed and read on other machines.
    out_path.write_text("\n".join(doc).replace(str(B.ROOT) + "/", "") + "\n")
    print(f"\nwritten to {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
