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


def summary_line(results) -> str:
    parts = []
    for kind, group in (("documented", [r for r in results if not r.decision]),
                        ("assumption", [r for r in results if r.decision])):
        c = Counter(r.status for r in group)
        parts.append(f"{kind}: {c['passed']} passed, {c['failed']} failed, {c['warn']} warned, {c['skipped']} skipped")
    return "Dakkio conformance -- " + "; ".join(parts)


def write(directory: Path, results, target, operations) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["# Dakkio conformance report", ""]
    if target:
        lines += [f"- Target: `{target.base_url}`{' (dakkio-mock)' if target.is_mock else ''}"]
    lines += [f"- Date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}", f"- {summary_line(results)}", "",
              "`documented` cases check what the Dakkio docs state; `assumption` cases check a decision of",
              "DESIGN.md where the docs are silent (use `--lenient` to report those as warnings).", ""]
    order = {op: i for i, op in enumerate(operations)}
    by_op: dict[str, list] = {}
    for r in results:
        by_op.setdefault(r.op, []).append(r)
    for op in sorted(by_op, key=lambda o: (order.get(o, 999), o)):
        info = operations.get(op)
        head = f"{info['method']} {info['path']} ({op})" if info else op
        lines += [f"## {head}", "", "| case | kind | result | source |", "|---|---|---|---|"]
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
