"""Sending a reproducer's steps again: ``dakkio-contract fuzz replay FILE|DIR ...``.

Each cassette is replayed against ``--base-url`` (default: the one it was recorded against):
set-up steps first, their captures filled into the steps after them, then the failing request,
whose answer decides. A server error is re-triggered by any 5xx; another check by the same status
(and, when Schemathesis can tell, the same check failing again). Exit 1 when any failure is
re-triggered (still broken), 0 when none is (fixed), 2 when a cassette could not be replayed.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests

from . import steps as steps_mod
from .steps import Step

DEMO_ADMIN_KEY = "dakkio_a_demoadmin0000000000000000000000000000000"


class SetupError(Exception):
    """A step before the failing one did not answer as it must for the reproducer to work."""


@dataclass
class Outcome:
    triggered: bool
    status: int | None
    body: str = ""
    error: str = ""
    requests: int = 0
    sent: list = field(default_factory=list)    # (method, url, status) of every request


def parse_headers(values: list[str] | None) -> dict[str, str]:
    out = {}
    for raw in values or []:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"-H must look like 'Name: value', not {raw!r}")
        out[name.strip()] = value.strip()
    return out


def default_credentials(base_url: str) -> dict[str, str]:
    """The demo admin key when the target is ``dakkio-mock`` (its demo data), else nothing."""
    try:
        r = requests.get(base_url.rstrip("/") + "/__mock/health", timeout=5)
        if r.ok and r.json().get("service") == "dakkio-mock":
            return {"X-API-Key": DEMO_ADMIN_KEY}
    except (requests.RequestException, ValueError):
        pass
    return {}


def send(session: requests.Session, base_url: str, step: Step, variables: dict, credentials: dict,
         timeout: float = 30) -> requests.Response:
    headers = {k: steps_mod.fill(str(v), variables) for k, v in step.headers.items()}
    headers.update(credentials)
    data = None
    if step.body is not None:
        data = steps_mod.fill(step.body, variables).encode("utf-8")
    elif step.body_base64 is not None:
        data = base64.b64decode(step.body_base64)
    url = base_url.rstrip("/") + steps_mod.fill(step.path, variables)
    return session.request(step.method, url, data=data, headers=headers, timeout=timeout)


def triggered(expect: dict, response: requests.Response) -> bool:
    status = expect.get("status")
    if expect.get("check") == "not_a_server_error" or (status is not None and status >= 500):
        return response.status_code >= 500
    return response.status_code == status


def run(steps: list[Step], expect: dict, base_url: str, credentials: dict, *, deadline: float | None = None,
        session: requests.Session | None = None) -> Outcome:
    """Send ``steps`` in order; the last one decides whether the failure is re-triggered."""
    session = session or requests.Session()
    variables = {steps_mod.UNIQUE: secrets.token_hex(4), "base_url": base_url.rstrip("/")}
    sent = []
    for i, step in enumerate(steps):
        if deadline is not None and time.monotonic() > deadline:
            return Outcome(False, None, error="time budget spent", requests=len(sent), sent=sent)
        try:
            r = send(session, base_url, step, variables, credentials)
        except requests.RequestException as exc:
            last = i == len(steps) - 1
            # A connection the server drops on the failing request is a crash too.
            return Outcome(last and expect.get("check") == "not_a_server_error", None,
                           error=f"{type(exc).__name__}: {exc}", requests=len(sent) + 1, sent=sent)
        sent.append((step.method, r.url, r.status_code))
        if i == len(steps) - 1:
            return Outcome(triggered(expect, r), r.status_code, r.text[:2000], requests=len(sent), sent=sent)
        capture(step, i, r, variables)
    return Outcome(False, None, error="no steps")


# ------------------------------------------------------------------ minimising a server error

def prepare(steps: list[Step], base_url: str, credentials: dict, session: requests.Session) -> dict:
    """Send every step but the last once; the placeholders the last one needs, filled."""
    variables = {steps_mod.UNIQUE: secrets.token_hex(4), "base_url": base_url.rstrip("/")}
    for i, step in enumerate(steps[:-1]):
        r = send(session, base_url, step, variables, credentials)
        capture(step, i, r, variables)
    return variables


def capture(step: Step, i: int, r, variables: dict) -> None:
    """The ids a set-up step hands to the later ones (``step.capture``: name -> JSON pointer)."""
    if not step.capture:
        return
    try:
        doc = r.json()
        for name, pointer in step.capture.items():
            variables[name] = steps_mod.pointer_get(doc, pointer)
    except (ValueError, KeyError, IndexError, TypeError):
        raise SetupError(f"step {i + 1} ({step.method} {step.path}) answered {r.status_code}; "
                         f"could not capture {sorted(step.capture)}: {r.text[:300]}") from None


def _get(node, path):
    for p in path:
        node = node[p]
    return node


def _set(root, path, value):
    """A copy of ``root`` with the node at ``path`` replaced."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(root, dict):
        return {**root, head: _set(root[head], rest, value)}
    out = list(root)
    out[head] = _set(root[head], rest, value)
    return out


def shrink(root, test):
    """Greedy reduction of a JSON value while ``test(candidate)`` holds: drop keys and elements
    (list halves first), shorten strings, one pass per node, depth first."""

    def attempt(path, value):
        nonlocal root
        trial = _set(root, path, value)
        if test(trial):
            root = trial
            return True
        return False

    def visit(path):
        node = _get(root, path)
        if isinstance(node, dict):
            for k in list(node):
                attempt(path, {kk: vv for kk, vv in _get(root, path).items() if kk != k})
            for k in list(_get(root, path)):
                visit([*path, k])
        elif isinstance(node, list):
            while len(node) > 1 and (attempt(path, node[: len(node) // 2]) or attempt(path, node[len(node) // 2:])):
                node = _get(root, path)
            i = 0
            while i < len(node):
                if not attempt(path, node[:i] + node[i + 1:]):
                    i += 1
                node = _get(root, path)
            for i in range(len(node)):
                visit([*path, i])
        elif isinstance(node, str) and node:
            while len(node) > 1 and (attempt(path, node[: len(node) // 2]) or attempt(path, node[len(node) // 2:])):
                node = _get(root, path)
            if len(node) <= 24:
                i = 0
                while i < len(node) and len(node) > 1:
                    if not attempt(path, node[:i] + node[i + 1:]):
                        i += 1
                    node = _get(root, path)

    visit([])
    return root


def minimise(steps: list[Step], expect: dict, base_url: str, credentials: dict, budget: float = 20.0,
             max_requests: int = 300) -> tuple[list[Step], int]:
    """Drop what the failure does not need (earlier chain steps, query parameters, body keys and
    elements, string characters), checking each smaller request against the target. The steps
    before the failing one are sent once; each candidate costs one request. Returns the steps and
    the number of requests spent."""
    deadline = time.monotonic() + budget
    session = requests.Session()
    spent = 0

    def fails(candidate: list[Step]) -> bool:
        nonlocal spent
        if spent >= max_requests or time.monotonic() > deadline:
            return False
        try:
            out = run(candidate, expect, base_url, credentials, deadline=deadline, session=session)
        except SetupError:
            spent += len(candidate)
            return False
        spent += out.requests
        return out.triggered

    # Earlier steps of a stateful chain that nothing was captured from.
    i = 0
    while i < len(steps) - 1:
        if steps[i].role == "case" and not steps[i].capture and fails(steps[:i] + steps[i + 1:]):
            steps = steps[:i] + steps[i + 1:]
        else:
            i += 1
    try:
        variables = prepare(steps, base_url, credentials, session)
    except (SetupError, requests.RequestException):
        return steps, spent
    spent += len(steps) - 1
    last = steps[-1]

    def last_fails(step: Step) -> bool:
        nonlocal spent
        if spent >= max_requests or time.monotonic() > deadline:
            return False
        spent += 1
        try:
            return triggered(expect, send(session, base_url, step, variables, credentials))
        except requests.RequestException:
            return expect.get("check") == "not_a_server_error"

    def variant(**changes) -> Step:
        return Step(**{**last.__dict__, "capture": dict(last.capture), **changes})

    path, _, query = last.path.partition("?")
    if query:
        params = steps_mod.query_of(last.path)
        kept = shrink(params, lambda ps: last_fails(variant(path=path + ("?" + urlencode(ps, safe="{}") if ps else ""))))
        last = variant(path=path + ("?" + urlencode(kept, safe="{}") if kept else ""))
    doc = last.json_body()
    if isinstance(doc, (dict, list)):
        body = shrink(doc, lambda d: last_fails(variant(body=json.dumps(d))))
        last = variant(body=json.dumps(body))
    return steps[:-1] + [last], spent


# ------------------------------------------------------------------ the command

def main(argv: list[str] | None = None) -> int:
    from . import report

    p = argparse.ArgumentParser(prog="dakkio-contract fuzz replay",
                                description="Replay fuzz reproducers (cassette.yaml files or the directories holding them).")
    p.add_argument("paths", nargs="+", metavar="FILE|DIR")
    p.add_argument("--base-url", help="target (default: the URL each cassette was recorded against)")
    p.add_argument("-H", "--header", action="append", metavar="'Name: value'",
                   help="credentials to send (default against dakkio-mock: the demo admin key)")
    args = p.parse_args(argv)
    try:
        headers = parse_headers(args.header)
    except ValueError as exc:
        p.error(str(exc))
    files = []
    for raw in args.paths:
        path = Path(raw)
        files += sorted(path.rglob("cassette.yaml")) if path.is_dir() else [path]
    if not files:
        print("no cassettes found", file=sys.stderr)
        return 2
    reproduced = errors = False
    for f in files:
        try:
            cassette = report.read_cassette(f)
        except (OSError, ValueError, KeyError) as exc:
            print(f"ERROR      {f}: not a fuzz cassette ({exc})")
            errors = True
            continue
        meta = cassette["meta"]
        base = args.base_url or meta.get("base_url")
        creds = headers or default_credentials(base)
        try:
            out = run(cassette["steps"], cassette["expect"], base, creds)
        except (SetupError, requests.RequestException) as exc:
            print(f"ERROR      {meta.get('operation')} {meta.get('check')}: {exc}")
            errors = True
            continue
        verdict = "REPRODUCED" if out.triggered else "not reproduced"
        got = out.status if out.status is not None else out.error
        print(f"{verdict:<14} {meta.get('operation')}  {meta.get('check')}  expected {meta.get('status')}, got {got}  ({f})")
        reproduced = reproduced or out.triggered
    return 1 if reproduced else 2 if errors else 0
