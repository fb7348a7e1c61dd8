"""Reading Schemathesis' NDJSON event stream (``--report ndjson``) while it is being written."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import steps as steps_mod
from .dedup import Finding, primary_check


def _message(info) -> str:
    """An error as the NDJSON report serialises it (``{"type", "message"}`` or anything else)."""
    if isinstance(info, dict):
        return str(info.get("message") or info.get("title") or info)
    return str(info or "")


class Tail:
    """Complete lines appended to a file since the last call (the writer flushes one event per line)."""

    def __init__(self, path: Path):
        self.path, self.offset, self.partial = Path(path), 0, b""

    def lines(self):
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        data = self.partial + data
        *complete, self.partial = data.split(b"\n")
        for line in complete:
            if line.strip():
                yield line


@dataclass
class OpStats:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)     # "2xx", "4xx", "404", "5xx", "none"

    def add(self, status: int | None):
        self.cases += 1
        if status is None:
            self.statuses["none"] += 1
        else:
            self.statuses[f"{status // 100}xx"] += 1
            if status == 404:
                self.statuses["404"] += 1

    def merge(self, other: OpStats):
        self.cases += other.cases
        self.statuses.update(other.statuses)

    def to_dict(self) -> dict:
        return {"cases": self.cases, "statuses": dict(self.statuses)}

    @classmethod
    def from_dict(cls, d: dict) -> OpStats:
        return cls(d.get("cases", 0), Counter(d.get("statuses", {})))


@dataclass
class Stream:
    """What one worker's event stream said so far."""

    base_url: str
    credentials: set[str]
    started: float                 # the campaign's start (epoch seconds)
    worker: int = 0
    ops: dict = field(default_factory=lambda: defaultdict(OpStats))
    findings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    finished: bool = False
    stop_reason: str | None = None
    phases: list = field(default_factory=list)

    def feed(self, line: bytes) -> list[Finding]:
        """Take one NDJSON line; return the findings it carried."""
        try:
            event = json.loads(line)
        except ValueError:
            return []
        name, body = next(iter(event.items()))
        if name in ("ScenarioFinished", "FuzzScenarioFinished"):   # `st run` and `st fuzz`
            return self._scenario(body)
        if name == "NonFatalError":
            self.errors.append({"label": body.get("label"), "phase": body.get("phase"),
                                "error": _message(body.get("value") or body.get("error"))[:500]})
        elif name == "PhaseFinished":
            phase = body.get("phase") or {}
            self.phases.append({"phase": phase.get("name"), "status": body.get("status")})
        elif name == "EngineFinished":
            self.finished, self.stop_reason = True, body.get("stop_reason")
        elif name == "FatalError":
            self.finished = True
            self.errors.append({"label": "fatal", "error": _message(body.get("exception"))[:1000]})
        return []

    def _scenario(self, body: dict) -> list[Finding]:
        rec = body.get("recorder") or {}
        cases, interactions, checks = rec.get("cases", {}), rec.get("interactions", {}), rec.get("checks", {})
        for case_id, node in cases.items():
            case = node.get("value") or {}
            inter = interactions.get(case_id) or {}
            status = (inter.get("response") or {}).get("status_code")
            if inter:
                self.ops[f"{case.get('method', '?')} {case.get('path', '?')}"].add(status)
        found = []
        for case_id, results in checks.items():
            failed = [r for r in results if r.get("status") == "failure" and r.get("failure_info")]
            if not failed or case_id not in interactions:
                continue
            names = [r["name"] for r in failed]
            main = primary_check(names)
            failure = next(r for r in failed if r["name"] == main)["failure_info"]["failure"]
            chain = self._chain(cases, case_id)
            steps = [steps_mod.from_interaction(interactions[c], self.base_url, self.credentials)
                     for c in chain if c in interactions]
            if not steps:
                continue
            steps[-1].role = "failing"
            case = cases[case_id].get("value") or {}
            inter = interactions[case_id]
            found.append(Finding(
                operation=failure.get("operation") or f"{case.get('method')} {case.get('path')}",
                check=main, status=(inter.get("response") or {}).get("status_code"),
                title=failure.get("title", ""), message=failure.get("message", ""), code=failure.get("code", ""),
                body=steps[-1].response, also=sorted(set(names) - {main}),
                at=max(0.0, float(inter.get("timestamp") or body.get("timestamp") or self.started) - self.started),
                steps=steps, worker=self.worker))
        self.findings += found
        return found

    @staticmethod
    def _chain(cases: dict, case_id: str) -> list[str]:
        """The case and its ancestors (the stateful phase's links), root first."""
        chain, seen = [], set()
        while case_id and case_id in cases and case_id not in seen:
            seen.add(case_id)
            chain.append(case_id)
            case_id = cases[case_id].get("parent_id")
        return list(reversed(chain))
