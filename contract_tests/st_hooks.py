"""Schemathesis hooks: the few rules of the contract that JSON Schema cannot state.

- ``POST /api/data/query``: ``startTime`` must not be after ``endTime`` (DESIGN decision 9).
  Generated bodies get the two swapped, so positive data stays valid.
- ``POST /api/buckets``: names get this run's prefix (``DAKKIO_CONTRACT_PREFIX``), so the
  suite can find and delete every bucket the fuzzer created, and nothing else.
"""

import os
import re

import schemathesis

_TS = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _epoch_key(value: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00").replace("t", "T")).timestamp()
    except ValueError:
        return None


def _operation_id(context) -> str | None:
    op = getattr(context, "operation", None)
    definition = getattr(op, "definition", None)
    raw = getattr(definition, "raw", None) or {}
    return raw.get("operationId") if isinstance(raw, dict) else None


@schemathesis.hook
def map_body(context, body):
    op = _operation_id(context)
    if op == "queryData" and isinstance(body, dict) and isinstance(body.get("filters"), dict):
        f = body["filters"]
        start, end = f.get("startTime"), f.get("endTime")
        if isinstance(start, str) and isinstance(end, str) and _TS.match(start) and _TS.match(end):
            ks, ke = _epoch_key(start), _epoch_key(end)
            if ks is not None and ke is not None and ks > ke:
                f["startTime"], f["endTime"] = end, start
    prefix = os.environ.get("DAKKIO_CONTRACT_PREFIX")
    if prefix and op == "createBucket" and isinstance(body, dict) and isinstance(body.get("name"), str):
        name = body["name"]
        if 1 <= len(name) <= 100:
            body["name"] = (prefix + name)[:100]
    return body


_DOC_IDS = re.compile(r"^507f1f77bcf86cd7994390[0-9a-f]{2}$", re.IGNORECASE)


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    """Never aim a delete at the docs' example IDs: on a shared target they may be someone's data."""
    if _operation_id(context) in ("deleteBucket", "deleteApiKey") and isinstance(path_parameters, dict):
        for name, value in path_parameters.items():
            if isinstance(value, str) and _DOC_IDS.match(value):
                path_parameters[name] = "0" * 23 + "1"
    return path_parameters
