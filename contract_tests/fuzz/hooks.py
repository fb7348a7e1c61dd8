"""Schemathesis hooks of a fuzz campaign (``SCHEMATHESIS_HOOKS=contract_tests.fuzz.hooks``).

Two jobs, both right before or after each request Schemathesis sends:

- **Real IDs.** The campaign names a *world* it created through the API (``DAKKIO_FUZZ_WORLD``,
  see ``dakkio.py``). In four cases out of five, every ID of a case that the world can stand in
  for (``bucketId`` in the path or body, ``dataSourceId``...) is replaced by the world's, so the
  case gets past the 404s and reaches the rules behind them; the fifth keeps Schemathesis' own
  values (random IDs, its resource pool), so the 404 paths stay covered. In the stateful phase an
  ID that came from a response (a link) is never replaced: the sequence must stay a sequence.
  The choice is a function of the case, so Hypothesis replays and shrinks a case to the same
  request. DELETE requests never get the world's IDs, and one that carries them is aimed at an
  ID that does not exist, so the world survives the whole campaign.
- **Progress.** Requests per operation and 5xx answers, written to ``DAKKIO_FUZZ_PROGRESS`` about
  once a second for the campaign's progress line.

The contract suite's own hooks (``contract_tests.st_hooks``: bucket names prefixed, query ranges in
order, example IDs never deleted) are registered too.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import zlib
from collections import Counter
from pathlib import Path

import schemathesis

from .. import st_hooks  # noqa: F401 - registers the suite's hooks as well

WORLD_SHARE = (4, 5)          # replace IDs in 4 cases out of 5
_ID_KEYS = re.compile(r"^(_id|id|.*Id|.*_id)$")
_lock = threading.Lock()
_world: dict | None = None
_seen: set[str] = set()       # IDs the API handed out in responses
_progress = {"cases": 0, "ops": Counter(), "5xx": 0, "5xx_ops": Counter()}
_last_write = [0.0]


def world() -> dict:
    global _world
    if _world is None:
        path = os.environ.get("DAKKIO_FUZZ_WORLD")
        doc = json.loads(Path(path).read_text()) if path and Path(path).exists() else {}
        doc["_pattern"] = re.compile(doc.get("id_pattern") or r"^[0-9a-fA-F]{24}$")
        doc["_protected"] = {str(v).lower() for v in doc.get("variables", {}).values()}
        _world = doc
    return _world


def _slots(case):
    """``(location, name, container, key)`` for each value of the case the world has a pool for."""
    pools = world().get("pools", {})
    params = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    for name in list(params):
        if name in pools.get("path", {}):
            yield "path", name, params, name
    query = case.query if isinstance(case.query, dict) else {}
    for name in list(query):
        if name in pools.get("query", {}):
            yield "query", name, query, name

    def walk(node, depth):
        if depth > 3:
            return
        if isinstance(node, dict):
            for k in list(node):
                v = node[k]
                if isinstance(v, (dict, list)):
                    yield from walk(v, depth + 1)
                elif k in pools.get("body", {}):
                    yield "body", k, node, k
        elif isinstance(node, list):
            for item in node:
                yield from walk(item, depth + 1)
    yield from walk(case.body, 0)


def _digest(case) -> int:
    try:
        text = json.dumps([case.method, case.path, case.path_parameters, case.query, case.body],
                          sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr((case.method, case.path, case.path_parameters, case.query, case.body))
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def substitute(case, phase: str | None = None) -> bool:
    """Give ``case`` the world's IDs (in place) when the draw says so; True when it did."""
    w = world()
    if not w.get("pools"):
        return False
    slots = [s for s in _slots(case) if isinstance(s[2][s[3]], str) and w["_pattern"].match(s[2][s[3]])]
    if case.method.upper() == "DELETE":
        for _, _, container, key in slots:
            if container[key].lower() in w["_protected"]:
                container[key] = w.get("absent_id", "0" * 23 + "1")
        return False
    if not slots:
        return False
    if phase == "stateful" and any(container[key] in _seen for _, _, container, key in slots):
        return False
    take, out_of = WORLD_SHARE
    if _digest(case) % out_of >= take:
        return False
    for location, name, container, key in slots:
        pool = w["pools"][location][name]
        container[key] = pool[zlib.crc32(name.encode()) % len(pool)]
    return True


def _phase(case) -> str | None:
    meta = getattr(case, "meta", None)
    phase = getattr(meta, "phase", None)
    name = getattr(phase, "name", None)
    return getattr(name, "value", name)


@schemathesis.hook
def before_call(context, case, kwargs):
    substitute(case, _phase(case))


def _harvest(node, depth=0):
    if depth > 6:
        return
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str) and _ID_KEYS.match(k):
                _seen.add(v)
            elif isinstance(v, (dict, list)):
                _harvest(v, depth + 1)
    elif isinstance(node, list):
        for item in node[:50]:
            _harvest(item, depth + 1)


def _write_progress(force: bool = False) -> None:
    path = os.environ.get("DAKKIO_FUZZ_PROGRESS")
    now = time.monotonic()
    if not path or (not force and now - _last_write[0] < 1.0):
        return
    _last_write[0] = now
    doc = {"cases": _progress["cases"], "ops": dict(_progress["ops"]), "5xx": _progress["5xx"],
           "5xx_ops": dict(_progress["5xx_ops"]), "time": time.time()}
    tmp = f"{path}.tmp"
    try:
        Path(tmp).write_text(json.dumps(doc))
        os.replace(tmp, path)
    except OSError:
        pass


@schemathesis.hook
def after_call(context, case, response):
    """Count the request; remember the IDs the API handed out (a case that uses one is a link)."""
    label = getattr(case.operation, "label", f"{case.method} {case.path}")
    with _lock:
        _progress["cases"] += 1
        _progress["ops"][label] += 1
        if response.status_code >= 500:
            _progress["5xx"] += 1
            _progress["5xx_ops"][label] += 1
        _write_progress()
    if 200 <= response.status_code < 300 and len(_seen) < 100_000:
        try:
            _harvest(json.loads(response.content))
        except (ValueError, TypeError):
            pass
