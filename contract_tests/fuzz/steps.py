"""Requests as a reproducer replays them: one ``Step`` per request, values that came from an earlier
response replaced by ``{{name}}`` placeholders and captured from that response when replayed.

A reproducer must work against a fresh deployment, where every ID differs. So the IDs a failing
request used are traced back to the response that handed them out (the campaign's own set-up,
a link of the stateful phase) and that request goes into the reproducer first, with a capture.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, urlsplit

# Request headers that say nothing about the case (the transport sets them).
TRANSPORT_HEADERS = {"user-agent", "accept-encoding", "accept", "connection", "content-length",
                     "x-schemathesis-testcaseid", "host"}
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][\w.-]*)\}\}")
_ID_KEY = re.compile(r"^(_id|id|key|.*Id|.*_id)$")
UNIQUE = "unique"      # a placeholder filled with a fresh value at each replay (names that must be unique)


@dataclass
class Step:
    method: str
    path: str                                  # with the query string, relative to the base URL
    headers: dict = field(default_factory=dict)
    body: str | None = None                    # text (usually JSON) ...
    body_base64: str | None = None             # ... or bytes that are not UTF-8
    capture: dict = field(default_factory=dict)    # placeholder -> JSON pointer into the response body
    status: int | None = None                  # as recorded
    response: str = ""                         # as recorded (truncated)
    role: str = "case"                         # "setup", "case" (earlier in the chain) or "failing"

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, {}, "")}

    @classmethod
    def from_dict(cls, d: dict) -> Step:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def placeholders(self) -> set[str]:
        text = " ".join([self.path, self.body or "", *map(str, self.headers.values())])
        return set(_PLACEHOLDER.findall(text))

    def json_body(self):
        try:
            return json.loads(self.body) if self.body is not None else None
        except ValueError:
            return None


def _decode(raw) -> bytes | None:
    if raw is None:
        return None
    if isinstance(raw, dict) and "$base64" in raw:
        return base64.b64decode(raw["$base64"])
    if isinstance(raw, str):
        return raw.encode()
    return json.dumps(raw).encode()


def from_interaction(interaction: dict, base_url: str, credentials: set[str], role: str = "case") -> Step:
    """A Step from an interaction of Schemathesis' NDJSON report."""
    req, resp = interaction["request"], interaction.get("response") or {}
    parts = urlsplit(req["uri"])
    base_path = urlsplit(base_url).path.rstrip("/")
    path = parts.path[len(base_path):] if base_path and parts.path.startswith(base_path) else parts.path
    if parts.query:
        path += "?" + parts.query
    headers = {}
    for name, value in (req.get("headers") or {}).items():
        if name.lower() in TRANSPORT_HEADERS or name.lower() in credentials:
            continue
        headers[name] = value[0] if isinstance(value, list) and len(value) == 1 else value
    body = _decode(req.get("body"))
    text = b64 = None
    if body is not None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            b64 = base64.b64encode(body).decode()
    content = _decode(resp.get("content"))
    return Step(req["method"], path, headers, text, b64, {}, resp.get("status_code"),
                (content or b"").decode("utf-8", "replace")[:2000], role)


def pointer_get(doc, pointer: str):
    """Resolve a JSON pointer (``/bucket/_id``); KeyError when absent."""
    node = doc
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(pointer)
    return node


def id_values(doc, pointer="", out=None, depth=0):
    """``{value: pointer}`` for the ID-like strings of a response body (first occurrence wins)."""
    out = {} if out is None else out
    if depth > 8:
        return out
    if isinstance(doc, dict):
        for k, v in doc.items():
            p = f"{pointer}/{str(k).replace('~', '~0').replace('/', '~1')}"
            if isinstance(v, str) and len(v) >= 6 and _ID_KEY.match(str(k)):
                out.setdefault(v, p)
            elif isinstance(v, (dict, list)):
                id_values(v, p, out, depth + 1)
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:20]):
            id_values(v, f"{pointer}/{i}", out, depth + 1)
    return out


def _var_name(pointer: str, taken: set[str]) -> str:
    parts = [p for p in pointer.split("/") if p and not p.isdigit()]
    last = parts[-1] if parts else "value"
    if last in ("_id", "id") and len(parts) > 1:
        last = parts[-2] + "Id"
    base = re.sub(r"\W", "_", last.lstrip("_")) or "value"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    return name


def _substitute_text(text: str, values: dict[str, str]) -> str:
    for value, name in sorted(values.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(value, "{{" + name + "}}")
    return text


def _substitute_json(node, values: dict[str, str]):
    if isinstance(node, str):
        return "{{" + values[node] + "}}" if node in values else node
    if isinstance(node, list):
        return [_substitute_json(v, values) for v in node]
    if isinstance(node, dict):
        return {k: _substitute_json(v, values) for k, v in node.items()}
    return node


def link(steps: list[Step]) -> list[Step]:
    """Replace every value an earlier response handed out by a placeholder captured there.

    Steps are changed in place; captures no later step uses are dropped, and so are ``setup``
    steps nothing depends on (transitively), so the reproducer is as short as it can be.
    """
    known: dict[str, str] = {}       # value -> placeholder name
    taken: set[str] = {UNIQUE}
    for step in steps:
        # Substitute what earlier responses produced ...
        if known:
            step.path = _substitute_text(step.path, known)
            for name, value in list(step.headers.items()):
                if isinstance(value, str) and value in known:
                    step.headers[name] = "{{" + known[value] + "}}"
            doc = step.json_body()
            if doc is not None:
                new = _substitute_json(doc, known)
                if new != doc:
                    step.body = json.dumps(new)
        # ... then offer what this response produced to the steps after it.
        try:
            produced = id_values(json.loads(step.response)) if step.response else {}
        except ValueError:
            produced = {}
        for value, pointer in produced.items():
            if value in known or len(value) < 6:
                continue
            name = _var_name(pointer, taken)
            taken.add(name)
            known[value] = name
            step.capture[name] = pointer
    return prune(steps)


def prune(steps: list[Step]) -> list[Step]:
    """Drop captures nothing uses and set-up steps nothing needs."""
    needed: set[str] = set()
    kept: list[Step] = []
    for step in reversed(steps):
        step.capture = {k: v for k, v in step.capture.items() if k in needed}
        if step.role == "setup" and not step.capture:
            continue
        needed |= step.placeholders()
        kept.append(step)
    return list(reversed(kept))


def fill(text: str, variables: dict[str, str]) -> str:
    """``text`` with its ``{{name}}`` placeholders replaced (unknown names left as they are)."""
    return _PLACEHOLDER.sub(lambda m: str(variables.get(m.group(1), m.group(0))), text)


def query_of(path: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(path).query, keep_blank_values=True)
