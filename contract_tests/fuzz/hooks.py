"""Schemathesis hooks of a fuzz campaign (``SCHEMATHESIS_HOOKS=contract_tests.fuzz.hooks``).

The campaign creates a small *world* through the API before Schemathesis starts (for Dakkio: a
bucket and a data source that accepts any values) and names it in a JSON file
(``DAKKIO_FUZZ_WORLD``). Right before each request these hooks swap most IDs that Schemathesis
made up for the world's real ones, so generated cases pass the "does it exist" gate (404) and
reach the rules behind it. An ID taken from a real response (a link of the stateful phase, an
example that exists) is kept; one made-up ID in five is kept too, so the 404 paths stay covered.
The choice is a function of the value, so Hypothesis replays and shrinks a case to the same request.
DELETE requests never get the world's IDs, and any that carries one is pointed elsewhere.

The contract suite's own hooks (``contract_tests.st_hooks``: bucket names prefixed, query ranges in
order, example IDs never deleted) are registered too.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path

import schemathesis

from .. import st_hooks  # noqa: F401 - registers the suite's hooks as well

KEEP_ONE_IN = 5
_ID_KEYS = re.compile(r"^(_id|id|.*Id|.*_id)$")
_world: dict | None = None
_seen: set[str] = set()


def world() -> dict:
    global _world
    if _world is None:
        path = os.environ.get("DAKKIO_FUZZ_WORLD")
        _world = json.loads(Path(path).read_text()) if path and Path(path).exists() else {}
        _world["_pattern"] = re.compile(_world.get("id_pattern") or r"^[0-9a-fA-F]{24}$")
        _world["_protected"] = {str(v).lower() for v in _world.get("variables", {}).values()}
    return _world


def _replacement(location: str, name: str, value):
    w = world()
    pool = w.get("pools", {}).get(location, {}).get(name)
    if not pool or not isinstance(value, str) or value in _seen or not w["_pattern"].match(value):
        return value
    h = zlib.crc32(f"{location}:{name}:{value}".encode())
    if h % KEEP_ONE_IN == 0:
        return value
    return pool[(h // KEEP_ONE_IN) % len(pool)]


def _walk(node, depth=0):
    if depth > 3:
        return node
    if isinstance(node, dict):
        for k, v in list(node.items()):
            if isinstance(v, (dict, list)):
                _walk(v, depth + 1)
            else:
                node[k] = _replacement("body", k, v)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                _walk(item, depth + 1)
    return node


@schemathesis.hook
def before_call(context, case, kwargs):
    w = world()
    if not w.get("pools"):
        return
    params = case.path_parameters if isinstance(case.path_parameters, dict) else None
    if case.method.upper() == "DELETE":
        for name, value in (params or {}).items():
            if isinstance(value, str) and value.lower() in w["_protected"]:
                params[name] = w.get("absent_id", "0" * 23 + "1")
        return
    for name, value in (params or {}).items():
        params[name] = _replacement("path", name, value)
    if isinstance(case.query, dict):
        for name, value in case.query.items():
            case.query[name] = _replacement("query", name, value)
    if isinstance(case.body, (dict, list)):
        _walk(case.body)


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


@schemathesis.hook
def after_call(context, case, response):
    """Remember the IDs the API handed out: a case that uses one (a link) keeps it."""
    if 200 <= response.status_code < 300 and len(_seen) < 100_000:
        try:
            _harvest(json.loads(response.content))
        except (ValueError, TypeError):
            pass
