"""A campaign's report: ``report.json``, ``summary.md`` and, per unique failure, ``failures/<id>/``
with a replayable cassette (``cassette.yaml``, VCR-style) and a curl script (``repro.sh``).
``dakkio-contract fuzz merge DIR...`` joins the reports of several shards into one.
"""

from __future__ import annotations

import argparse
import http
import json
import re
import shutil
import sys
from pathlib import Path

import yaml

from .events import OpStats
from .steps import Step

VERSION = 1


def _reason(status) -> str:
    try:
        return http.HTTPStatus(int(status)).phrase
    except (TypeError, ValueError):
        return ""


def env_name(header: str) -> str:
    return re.sub(r"\W", "_", header).upper()


# ------------------------------------------------------------------ the cassette

def write_cassette(path: Path, meta: dict, steps: list[Step], expect: dict, credentials: list[str]) -> None:
    interactions = []
    for i, s in enumerate(steps, 1):
        req = {"method": s.method, "uri": "{{base_url}}" + s.path, "headers": {k: [v] for k, v in s.headers.items()}}
        if s.body is not None:
            req["body"] = {"encoding": "utf-8", "string": s.body}
        elif s.body_base64 is not None:
            req["body"] = {"base64_string": s.body_base64}
        item = {"id": str(i), "role": s.role}
        if s.capture:
            item["capture"] = dict(s.capture)
        if s.role == "failing":
            item["expect"] = dict(expect)
        item["request"] = req
        item["response"] = {"status": {"code": s.status, "message": _reason(s.status)},
                            "body": {"encoding": "utf-8", "string": s.response}}
        interactions.append(item)
    doc = {"fuzz_failure": meta, "credentials": list(credentials), "expect": dict(expect),
           "recorded_with": meta.get("recorded_with", "dakkio-contract fuzz"), "http_interactions": interactions}
    header = (f"# {meta.get('operation')} -> {meta.get('status')} ({meta.get('check')})\n"
              "# Replay: dakkio-contract fuzz replay THIS_FILE --base-url URL -H 'Name: value'\n"
              "# {{name}} placeholders are filled from the responses named by `capture` (JSON pointers).\n")
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=False, width=120))


def read_cassette(path: Path) -> dict:
    doc = yaml.safe_load(Path(path).read_text())
    steps = []
    for item in doc["http_interactions"]:
        req, resp = item["request"], item.get("response") or {}
        body = req.get("body") or {}
        uri = req["uri"]
        steps.append(Step(
            method=req["method"], path=uri[len("{{base_url}}"):] if uri.startswith("{{base_url}}") else uri,
            headers={k: (v[0] if isinstance(v, list) else v) for k, v in (req.get("headers") or {}).items()},
            body=body.get("string"), body_base64=body.get("base64_string"), capture=item.get("capture") or {},
            status=(resp.get("status") or {}).get("code"), response=(resp.get("body") or {}).get("string") or "",
            role=item.get("role", "case")))
    return {"meta": doc.get("fuzz_failure") or {}, "steps": steps, "expect": doc.get("expect") or {},
            "credentials": doc.get("credentials") or []}


# ------------------------------------------------------------------ the curl script

def _sq(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _shell(text: str) -> str:
    """A single-quoted shell word with ``{{name}}`` spliced in as ``"$name"``."""
    quoted = _sq(text)
    return re.sub(r"\{\{([A-Za-z_]\w*)\}\}", lambda m: "'\"${" + m.group(1) + "}\"'", quoted)


def curl_script(meta: dict, steps: list[Step], expect: dict, credentials: list[str], base_url: str,
                directory: Path) -> str:
    lines = ["#!/usr/bin/env bash",
             f"# Reproduces {meta.get('operation')} -> {meta.get('status')} ({meta.get('check')}: {meta.get('title')}).",
             "# Usage: BASE_URL=http://host:port " + " ".join(f"{env_name(c)}=..." for c in credentials) + " bash repro.sh",
             "set -euo pipefail",
             f"BASE_URL=\"${{BASE_URL:-{base_url}}}\""]
    for c in credentials:
        lines.append(f"{env_name(c)}=\"${{{env_name(c)}:?set {env_name(c)} to the {c} header value}}\"")
    lines += ["unique=\"$(date +%s)$RANDOM\"",
              "capture() {  # print the value at a JSON pointer of the JSON document on stdin",
              "  python3 -c 'import json, sys",
              "d = json.load(sys.stdin)",
              "for p in sys.argv[1].split(\"/\")[1:]:",
              "    p = p.replace(\"~1\", \"/\").replace(\"~0\", \"~\")",
              "    d = d[int(p)] if isinstance(d, list) else d[p]",
              "print(d)' \"$1\"",
              "}", ""]
    for i, s in enumerate(steps, 1):
        args = ["curl", "-sS", "-X", s.method, "\"$BASE_URL\"" + _shell(s.path)]
        for c in credentials:
            args += ["-H", f"\"{c}: ${env_name(c)}\""]
        for k, v in s.headers.items():
            args += ["-H", _shell(f"{k}: {v}")]
        if s.body is not None and not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", s.body):
            args += ["--data-binary", _shell(s.body)]
        elif s.body is not None or s.body_base64 is not None:
            name = f"step-{i}.body"
            data = s.body.encode() if s.body is not None else __import__("base64").b64decode(s.body_base64)
            (directory / name).write_bytes(data)
            args += ["--data-binary", f"@\"$(dirname \"$0\")/{name}\""]
        if s.role == "failing":
            lines.append(f"# {i}. the failing request: expect {expect.get('status')} "
                         f"({'any 5xx' if expect.get('check') == 'not_a_server_error' else expect.get('check')})")
            lines.append(" ".join(args + ["-w", "'\\nHTTP %{http_code}\\n'"]))
        elif s.capture:
            lines.append(f"# {i}. {s.method} {s.path.split('?')[0]}: captures {', '.join(s.capture)}")
            lines.append("response=$(" + " ".join(args) + ")")
            for name, pointer in s.capture.items():
                lines.append(f"{name}=$(printf '%s' \"$response\" | capture {_sq(pointer)})")
        else:
            lines.append(f"# {i}. {s.method} {s.path.split('?')[0]}")
            lines.append(" ".join(args + ["-o", "/dev/null"]))
        lines.append("")
    return "\n".join(lines)


def one_line_curl(step: Step, base_url: str, credentials: list[str]) -> str:
    """The failing request with the values it was sent with (for the summary)."""
    parts = [f"curl -X {step.method} {_sq(base_url.rstrip('/') + step.path)}"]
    parts += [f"-H {_sq(c + ': $' + env_name(c))}" for c in credentials]
    parts += [f"-H {_sq(f'{k}: {v}')}" for k, v in step.headers.items()]
    if step.body is not None:
        body = step.body if len(step.body) <= 600 else step.body[:600] + "..."
        parts.append(f"-d {_sq(body)}")
    return " ".join(parts)


# ------------------------------------------------------------------ report.json, summary.md, the table

def table(failures: list[dict]) -> str:
    if not failures:
        return "No failures."
    rows = [("#", "operation", "check", "status", "hits", "first found", "reproduced", "reproducer")]
    for i, f in enumerate(failures, 1):
        rep = {True: "yes", False: "no"}.get(f.get("reproduced"), "-")
        rows.append((str(i), f["operation"], f["check"], str(f.get("status")), str(f.get("count", 1)),
                     f"{f.get('first_found_s', 0):.1f} s", rep, f.get("dir", "")))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def coverage_table(ops: dict[str, OpStats], selected: list[str]) -> str:
    rows = [("operation", "cases", "2xx", "4xx", "of which 404", "5xx")]

    def row(label: str, s: OpStats):
        n = max(s.cases, 1)
        pct = lambda k: f"{100 * s.statuses.get(k, 0) / n:.0f}%"  # noqa: E731
        rows.append((label, str(s.cases), pct("2xx"), pct("4xx"), pct("404"), str(s.statuses.get("5xx", 0))))

    for label in sorted(selected or ops):
        row(label, ops.get(label) or OpStats())
    others = OpStats()
    for label in set(ops) - set(selected or ops):
        others.merge(ops[label])
    if others.cases:
        row("(methods the spec does not define: coverage probes)", others)
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("| " + " | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) + " |"
                     for r in rows[:1] + [tuple("-" * w for w in widths)] + rows[1:])


def write(out: Path, campaign: dict, ops: dict[str, OpStats], failures: list[dict], errors: list[dict]) -> Path:
    selected = campaign.get("operations") or []
    doc = {"version": VERSION, "campaign": campaign,
           "coverage": {label: s.to_dict() for label, s in sorted(ops.items())},
           "failures": failures, "errors": errors[:200]}
    (out / "report.json").write_text(json.dumps(doc, indent=2, ensure_ascii=True))
    covered = sum(1 for label in selected if ops.get(label) and ops[label].cases)
    cases = sum(s.cases for s in ops.values())
    lines = [f"# Fuzz campaign: {len(failures)} unique failure(s)", "",
             f"- target: {campaign.get('base_url')}  spec: {campaign.get('spec')}",
             f"- duration: {campaign.get('elapsed_s', 0):.0f} s of {campaign.get('duration_s')} s, "
             f"workers: {campaign.get('workers')}, shard: {campaign.get('shard') or 'all'}, seed: {campaign.get('seed')}",
             f"- cases: {cases}, operations covered: {covered}/{len(selected)}", "",
             "## Unique failures", "", "```", table(failures), "```", ""]
    for i, f in enumerate(failures, 1):
        lines += [f"### {i}. {f['operation']}: {f['check']} ({f.get('status')})", "",
                  f"{f.get('title', '')}. {f.get('message', '')}".strip(), "",
                  f"Signature: `{f.get('signature')}`; first found after {f.get('first_found_s', 0):.1f} s; "
                  f"{f.get('count', 1)} hit(s).", "",
                  f"Reproduce: `bash {f.get('dir')}/repro.sh` or "
                  f"`dakkio-contract fuzz replay {f.get('dir')}/cassette.yaml --base-url URL`. "
                  f"The failing request ({f.get('steps', 1)} step(s) in all; `{{{{name}}}}` is filled in by the "
                  "set-up steps of the reproducer):", "",
                  "```sh", f.get("curl", ""), "```", ""]
    lines += ["## Cases per operation", "", coverage_table(ops, selected), ""]
    if errors:
        lines += ["## Errors (not failures)", ""] + [f"- {e.get('label')}: {e.get('error')}" for e in errors[:50]] + [""]
    (out / "summary.md").write_text("\n".join(lines))
    return out / "summary.md"


# ------------------------------------------------------------------ merging shards

def merge(dirs: list[Path], out: Path) -> dict:
    """One report from several: coverage added up, failures deduplicated (earliest find kept)."""
    out.mkdir(parents=True, exist_ok=True)
    ops: dict[str, OpStats] = {}
    failures: dict[str, dict] = {}
    errors, parts = [], []
    for d in dirs:
        doc = json.loads((Path(d) / "report.json").read_text())
        camp = doc.get("campaign", {})
        parts.append({"dir": str(d), "shard": camp.get("shard"), "seed": camp.get("seed"),
                      "elapsed_s": camp.get("elapsed_s"), "operations": camp.get("operations", [])})
        for label, s in doc.get("coverage", {}).items():
            ops.setdefault(label, OpStats()).merge(OpStats.from_dict(s))
        errors += doc.get("errors", [])
        for f in doc.get("failures", []):
            known = failures.get(f["id"])
            if known is None or f.get("first_found_s", 0) < known.get("first_found_s", 0):
                merged = dict(f, count=f.get("count", 1) + (known or {}).get("count", 0))
                src = Path(d) / f["dir"]
                if src.is_dir():
                    dst = out / "failures" / f["id"]
                    if dst.exists():
                        shutil.rmtree(dst)
                    shutil.copytree(src, dst)
                merged["dir"] = f"failures/{f['id']}"
                failures[f["id"]] = merged
            else:
                known["count"] = known.get("count", 1) + f.get("count", 1)
    first = json.loads((Path(dirs[0]) / "report.json").read_text()).get("campaign", {}) if dirs else {}
    selected = sorted({label for p in parts for label in p["operations"]})
    campaign = {**first, "merged_from": parts, "operations": selected, "shard": f"merged ({len(parts)})",
                "elapsed_s": max((p["elapsed_s"] or 0) for p in parts) if parts else 0}
    ordered = sorted(failures.values(), key=lambda f: (f.get("first_found_s", 0), f["operation"]))
    write(out, campaign, ops, ordered, errors)
    return {"failures": ordered, "operations": selected, "coverage": ops}


def merge_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="dakkio-contract fuzz merge",
                                description="Merge the reports of campaign shards (each DIR holds a report.json).")
    p.add_argument("dirs", nargs="+", metavar="DIR")
    p.add_argument("--out", default="reports/fuzz-merged", help="directory for the merged report")
    args = p.parse_args(argv)
    dirs = [Path(d) for d in args.dirs]
    missing = [str(d) for d in dirs if not (d / "report.json").exists()]
    if missing:
        print(f"no report.json in: {', '.join(missing)}", file=sys.stderr)
        return 2
    merged = merge(dirs, Path(args.out))
    covered = sum(1 for label in merged["operations"] if merged["coverage"].get(label, OpStats()).cases)
    print(f"merged {len(dirs)} report(s): {len(merged['failures'])} unique failure(s), "
          f"{covered}/{len(merged['operations'])} operations covered -> {Path(args.out) / 'summary.md'}")
    print(table(merged["failures"]))
    return 1 if merged["failures"] else 0
