"""The human-readable conformance report: each operation x each case, with failures in full."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ICON = {"passed": "pass", "failed": "FAIL", "skipped": "skip", "warn": "warn"}


@dataclass
class Result:
    nodeid: str
    op: str
    title: str
    source: str
    decision: str | None
    status: str
    message: str = ""
    exchanges: list = field(default_factory=list)


def scores(results) -> tuple[dict[str, tuple[int, int]], tuple[int, int]]:
    """Conformance per operation and overall, in the spirit of Microcks' index: cases exercised
    (run, not skipped) and passed. A team watches it rise as its server meets more of the contract."""
    per: dict[str, list[int]] = {}
    for r in results:
        if r.status == "skipped":
            continue
        entry = per.setdefault(r.op, [0, 0])
        entry[0] += 1
        entry[1] += r.status == "passed"
    total = [sum(v[0] for v in per.values()), sum(v[1] for v in per.values())]
    return {op: (v[0], v[1]) for op, v in per.items()}, (total[0], total[1])


def _pct(passed: int, exercised: int) -> str:
    return f"{100.0 * passed / exercised:.1f}%" if exercised else "n/a"


def score_line(results) -> str:
    per, (exercised, passed) = scores(results)
    full = sum(1 for e, p in per.values() if e and e == p)
    return (f"conformance score: {_pct(passed, exercised)} ({passed}/{exercised} cases); "
            f"{full}/{len(per)} operations fully conformant")


def summary_line(results, title: str = "Dakkio") -> str:
    parts = []
    for kind, group in (("documented", [r for r in results if not r.decision]),
                        ("assumption", [r for r in results if r.decision])):
        c = Counter(r.status for r in group)
        parts.append(f"{kind}: {c['passed']} passed, {c['failed']} failed, {c['warn']} warned, {c['skipped']} skipped")
    return f"{title} conformance -- " + "; ".join(parts)


def values_line(documented: int, missing: dict, limit: int = 4) -> str:
    """The rule *values* in one line: documented response fields compared by value, and the gaps."""
    gaps = sum(len(v) for v in missing.values())
    line = f"values: {documented - gaps}/{documented} documented response fields compared by value"
    if gaps:
        shown = sorted(missing.items())
        line += "; not compared: " + "; ".join(f"{op}: {', '.join(paths[:limit])}{' ...' if len(paths) > limit else ''}"
                                               for op, paths in shown[:limit])
        if len(shown) > limit:
            line += f"; and {len(shown) - limit} more operation(s) (a part of the pack ran?)"
    return line


def write(directory: Path, results, target, operations, title: str = "Dakkio", pack: str = "dakkio",
          values: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"# {title} conformance report", ""]
    if target:
        lines += [f"- Target: `{target.base_url}`{' (dakkio-mock)' if target.is_mock else ''}"]
    per, _ = scores(results)
    lines += [f"- Date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}", f"- Pack: {pack}; the generic gate always",
              f"- {summary_line(results, title)}", f"- {score_line(results)}",
              *([f"- {values}"] if values else []), "",
              "`documented` cases check what the Dakkio docs state; `assumption` cases check a decision of",
              "DESIGN.md where the docs are silent (use `--lenient` to report those as warnings).", ""]
    order = {op: i for i, op in enumerate(operations)}
    by_op: dict[str, list] = {}
    for r in results:
        by_op.setdefault(r.op, []).append(r)
    for op in sorted(by_op, key=lambda o: (order.get(o, 999), o)):
        info = operations.get(op)
        head = f"{info['method']} {info['path']} ({op})" if info else op
        exercised, passed = per.get(op, (0, 0))
        lines += [f"## {head}", "", f"Score: {_pct(passed, exercised)} ({passed}/{exercised})", "",
                  "| case | kind | result | source |", "|---|---|---|---|"]
        for r in by_op[op]:
            kind = f"assumption ({r.decision})" if r.decision else "documented"
            lines.append(f"| {r.title} | {kind} | {ICON.get(r.status, r.status)} | {r.source} |")
        lines.append("")
    failures = [r for r in results if r.status in ("failed", "warn")]
    if failures:
        lines += ["# Failures", ""]
        for r in failures:
            lines += [f"## {r.op}: {r.title} ({ICON[r.status]})", "", f"Test: `{r.nodeid}`; expectation: {r.source}"
                      + (f", {r.decision}" if r.decision else ""), "", "```", r.message.strip()[-2500:], "```", ""]
            for ex in r.exchanges:
                lines += ["```http", ex, "```", ""]
    path = directory / "conformance.md"
    path.write_text("\n".join(lines))
    return path
