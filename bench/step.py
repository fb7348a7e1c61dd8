"""Run one benchmark script for bench/run: time limit, log, and how busy the rest of the machine was.

``python bench/step.py --wait-quiet MAX_SECONDS RESULTS_DIR`` instead waits (at most MAX_SECONDS) until
other processes use less than 0.15 CPU over 3 s, and records what it saw in ``RESULTS_DIR/quiet.json``.

``python bench/step.py NAME LIMIT_SECONDS RESULTS_DIR`` runs ``bench/NAME.py --json RESULTS_DIR/NAME.json``,
copies its output to the terminal and to ``RESULTS_DIR/NAME.txt``, and writes ``RESULTS_DIR/NAME.load.json``
with the CPU that other processes used meanwhile (see ``benchlib.OtherLoad``). On timeout the script gets
SIGTERM (it stops its servers), then SIGKILL 15 s later. Exit status: the script's, or 124 on timeout.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import benchlib as B


def wait_quiet(max_seconds: float, results: Path) -> int:
    started = time.monotonic()
    while True:
        with B.OtherLoad() as load:
            time.sleep(3)
        waited = time.monotonic() - started
        quiet = load.other_cpus < 0.15
        if quiet or waited >= max_seconds:
            break
        print(f"   machine busy (other processes use {load.other_cpus:.2f} CPUs); waiting", flush=True)
    print(f"   other load {load.other_cpus:.2f} CPUs after {waited:.0f} s"
          + ("" if quiet else ": starting anyway, figures will be depressed"), flush=True)
    results.mkdir(parents=True, exist_ok=True)
    (results / "quiet.json").write_text(json.dumps({"waited_s": waited, "other_cpus": load.other_cpus,
                                                    "quiet": quiet}))
    return 0


def main() -> int:
    if sys.argv[1] == "--wait-quiet":
        return wait_quiet(float(sys.argv[2]), Path(sys.argv[3]))
    name, limit, results = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{name}.json").unlink(missing_ok=True)
    log = open(results / f"{name}.txt", "w")  # closed below
    timed_out = False
    with B.OtherLoad() as load:
        proc = subprocess.Popen([B.PYTHON, str(B.BENCH / f"{name}.py"), "--json", str(results / f"{name}.json")],
                                cwd=B.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + limit

        def on_alarm(signum, frame):
            nonlocal timed_out
            if not timed_out:
                timed_out = True
                proc.send_signal(signal.SIGTERM)        # the script stops its servers
                signal.setitimer(signal.ITIMER_REAL, 15.0)
            else:
                proc.kill()

        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, max(1.0, deadline - time.monotonic()))
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            log.write(line)
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    log.close()
    if timed_out:
        rc = 124
        print(f"!! {name} timed out after {limit:.0f} s", file=sys.stderr)
    (results / f"{name}.load.json").write_text(json.dumps(
        {"rc": rc, "seconds": time.perf_counter() - load.t, "other_cpus": load.other_cpus,
         "steal_cpus": load.steal_cpus}))
    if rc != 0:
        (results / f"{name}.json").unlink(missing_ok=True)
        print(f"!! {name} failed (exit {rc}); see {results / (name + '.txt')}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
