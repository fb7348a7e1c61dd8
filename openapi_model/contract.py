"""What the engine reads from a contract at run time: operations by id, path routing, examples.

Knows no API: anything API-specific (key types, pinned messages) stays in the operation's
``x-`` extensions, which the profile reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import documents

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    responses: dict = field(repr=False)
    extensions: dict = field(default_factory=dict, repr=False)   # the operation's x- keys


@dataclass
class PathEntry:
    template: str
    regex: re.Pattern
    operations: dict  # METHOD -> Operation


class Contract:
    """Indexes of the spec the mock needs at run time."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.doc = documents.load(path)      # bundled, 3.1 converted; raises SpecRefused
        self.base_path = base_path(self.doc)
        self.by_id: dict[str, Operation] = {}
        self.paths: list[PathEntry] = []
        for template, item in self.doc["paths"].items():
            ops = {}
            for method in METHODS:
                if method not in item:
                    continue
                op = item[method]
                operation = Operation(op["operationId"], method.upper(), template, op.get("responses", {}),
                                      {k: v for k, v in op.items() if k.startswith("x-")})
                ops[method.upper()] = operation
                self.by_id[op["operationId"]] = operation
            pattern = re.sub(r"\{[^}/]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
            self.paths.append(PathEntry(template, re.compile(f"^{pattern}$"), ops))
        # Literal segments win over templated ones (/dags/~/dagRuns/list before /dags/{id}/dagRuns/{run}).
        self.paths.sort(key=lambda e: e.template.count("{"))

    def match_path(self, path: str) -> PathEntry | None:
        if self.base_path:
            if not path.startswith(self.base_path):
                return None
            path = path[len(self.base_path):] or "/"
        for entry in self.paths:
            if entry.regex.match(path):
                return entry
        return None

    def operation_for(self, resolved_id: str | None) -> Operation | None:
        if not resolved_id:
            return None
        return self.by_id.get(resolved_id.rsplit(".", 1)[-1])

    def resolve(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            node = self._ref(node["$ref"])
        return node

    def _ref(self, ref: str):
        node = self.doc
        for part in ref.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def example(self, operation: Operation, status: str, name: str | None = None):
        """(example name, body) of a documented response, or None."""
        response = operation.responses.get(status)
        if response is None:
            return None
        response = self.resolve(response)
        media = (response.get("content") or {}).get("application/json") or {}
        examples = media.get("examples") or {}
        if name is not None:
            ex = examples.get(name)
            return (name, self.resolve(ex)["value"]) if ex else None
        for ex_name, ex in examples.items():
            return ex_name, self.resolve(ex)["value"]
        if "example" in media:
            return "example", media["example"]
        return None


def base_path(doc: dict) -> str:
    """Where Connexion mounts the API: the path of the first server's URL (variables at their defaults)."""
    servers = doc.get("servers") or []
    if not servers:
        return ""
    server = servers[0]
    try:
        url = server.get("url", "").format(**{k: v.get("default", "") for k, v in (server.get("variables") or {}).items()})
    except (KeyError, IndexError, ValueError):
        url = server.get("url", "")
    return urlsplit(url).path.rstrip("/")
