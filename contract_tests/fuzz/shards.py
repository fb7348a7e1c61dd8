"""Which operations a campaign fuzzes: the spec's operations, one CI runner's shard of them.

``--shard i/n`` gives runner ``i`` (1-based) of ``n`` every ``n``-th operation of the list sorted
by label (``"POST /api/data"``), so every operation lands in exactly one shard, the shards differ
in size by at most one, and the split only depends on the spec (every runner computes the same
one). Stateful sequences follow links between the operations of one shard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True, order=True)
class Operation:
    label: str           # "METHOD /path", as Schemathesis names it
    method: str
    path: str
    operation_id: str | None = None


def load_spec(location: str) -> dict:
    """The spec as a document: a local YAML/JSON file or an http(s) URL."""
    if re.match(r"^https?://", location):
        import requests

        r = requests.get(location, timeout=30)
        r.raise_for_status()
        return yaml.safe_load(r.text)
    return yaml.safe_load(Path(location).read_text())


def operations(doc: dict) -> list[Operation]:
    """Every operation of the spec, sorted by label."""
    out = []
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method in METHODS and isinstance(op, dict):
                out.append(Operation(f"{method.upper()} {path}", method.upper(), path, op.get("operationId")))
    return sorted(out)


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``; raises ValueError unless 1 <= i <= n."""
    m = _SHARD.match(text or "")
    if not m:
        raise ValueError(f"--shard must look like i/n (e.g. 2/4), not {text!r}")
    i, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 1 <= i <= n:
        raise ValueError(f"--shard {text}: need 1 <= i <= n")
    return i, n


def shard(ops: list[Operation], i: int, n: int) -> list[Operation]:
    """Runner ``i`` of ``n``: every n-th operation of the sorted list, starting at the i-th."""
    return sorted(ops)[i - 1::n]


def select(ops: list[Operation], include: list[str] | None) -> list[Operation]:
    """Keep the operations named by operationId or label (all when ``include`` is empty)."""
    if not include:
        return list(ops)
    wanted = set(include)
    unknown = wanted - {o.label for o in ops} - {o.operation_id for o in ops if o.operation_id}
    if unknown:
        raise ValueError(f"unknown operation(s): {', '.join(sorted(unknown))}")
    return [o for o in ops if o.label in wanted or o.operation_id in wanted]
