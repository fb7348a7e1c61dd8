"""Every field of a request an operation takes, as the rules see it: its place (body path or query
parameter), its schema, and whether it may be null. Walked from the spec, so a new operation or a new
field is covered by every rule without anyone listing it."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from openapi_model.generate import merge_all_of

MAX_DEPTH = 3


@dataclass(frozen=True)
class Field:
    op_id: str
    where: str            # body | query
    path: tuple           # body: property names from the root; query: (name,)
    schema: dict

    @property
    def id(self) -> str:
        return f"{self.op_id}:{self.where}.{'.'.join(map(str, self.path))}"


def body_fields(spec, op) -> list[Field]:
    body = spec.raw(op).get("requestBody")
    if not body:
        return []
    content = (spec.contract.resolve(body) or {}).get("content") or {}
    media = next((m for m in content if "json" in m), None)
    if media is None:
        return []
    out: list[Field] = []
    _walk(spec, op.operation_id, content[media].get("schema") or {}, (), out)
    return out


MAP_KEY = "gate_key"     # the key a rule puts into a map (``additionalProperties``) to reach its values
FIRST = 0                # the index a rule reaches into an array of objects at


def _walk(spec, op_id, schema, path, out, depth=0):
    """Every named property, every map's values (under ``MAP_KEY``) and the first item of every array
    of objects, to ``MAX_DEPTH`` levels: the rules reach as deep as a client's mistakes can."""
    schema = _flat(spec, schema)
    if depth >= MAX_DEPTH:
        return
    subs = list((schema.get("properties") or {}).items())
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        subs.append((MAP_KEY, extra))
    for name, sub in subs:
        sub = _flat(spec, sub)
        out.append(Field(op_id, "body", (*path, name), sub))
        if sub.get("type") == "object" or "properties" in sub or isinstance(sub.get("additionalProperties"), dict):
            _walk(spec, op_id, sub, (*path, name), out, depth + 1)
        elif sub.get("type") == "array" and depth + 1 < MAX_DEPTH:
            item = _flat(spec, sub.get("items") or {})
            if item.get("type") == "object" or "properties" in item:
                _walk(spec, op_id, item, (*path, name, FIRST), out, depth + 1)


def _flat(spec, schema) -> dict:
    schema = spec.contract.resolve(schema) or {}
    return merge_all_of(schema, spec.contract.resolve) if "allOf" in schema else schema


def query_fields(spec, op) -> list[Field]:
    return [Field(op.operation_id, "query", (p["name"],), spec.contract.resolve(p.get("schema") or {}))
            for p in spec.parameters(op) if p["in"] == "query"]


def all_fields(spec) -> list[Field]:
    return [f for op in spec.operations() for f in (*body_fields(spec, op), *query_fields(spec, op))]


def field_cases(spec):
    """(rule, field, label, value, valid) of the rules *types* (never valid) and *limits*, for every
    field: what a pack sends on requests it knows are accepted."""
    for f in all_fields(spec):
        for label, value in confusions(f):
            yield "types", f, label, value, False
        for label, value, valid in limits(f):
            yield "limits", f, label, value, valid


def names(where, paths) -> bool:
    """Whether one of an error's ``paths`` (a detail's or a 422's location) names the field at ``where``
    (a location, then its path): it, something inside it, or a parent short of the location alone."""
    where = tuple(where)
    return any(tuple(p[:len(where)]) == where or (where[:len(p)] == tuple(p) and len(p) > 1) for p in paths)


_WRONG = {  # declared type -> values of other kinds (type confusion)
    "object": [["an", "array"], "a string"],
    "array": [{"an": "object"}, "a string"],
    "string": [{"an": "object"}, ["an", "array"], 12345],
    "integer": ["12", {"an": "object"}, 1.5],
    "number": ["1.5", {"an": "object"}],
    "boolean": ["true", 1],
}


_KIND_OF = {dict: "object", list: "array", str: "string", int: "integer", float: "number", bool: "boolean"}


def _kinds(s: dict) -> set | None:
    """The JSON kinds a schema allows (one ``type``, or the union of ``oneOf``/``anyOf`` branches that
    each name one); None when any kind may do."""
    if "not" in s:
        return None
    branches = s.get("oneOf") or s.get("anyOf")
    if branches:
        kinds = [b.get("type") for b in branches if isinstance(b, dict)]
        return set(kinds) if kinds and all(kinds) else None
    return {s["type"]} if s.get("type") else None


def _allowed(value, kinds: set) -> bool:
    kind = _KIND_OF[type(value)]
    return kind in kinds or (kind == "integer" and "number" in kinds)


def confusions(field: Field) -> list[tuple[str, object]]:
    """(label, wrong value) for one field: other JSON kinds, a number as a string, null where not nullable."""
    s = field.schema
    kinds = _kinds(s)
    if kinds is None:
        return []                                   # any value is allowed
    if len(kinds) > 1:                              # a union: every kind none of its branches allows
        wrong = [v for kind in sorted(kinds) for v in _WRONG.get(kind, [])]
        unique = {repr(v): v for v in wrong if not _allowed(v, kinds)}
        out = [(f"{type(v).__name__} for {'|'.join(sorted(kinds))}", v) for v in unique.values()]
        return out + ([("null where not nullable", None)] if not s.get("nullable") else [])
    kind = next(iter(kinds))
    if field.where == "query":
        return [("not a number", "abc")] if kind in ("integer", "number") else \
            [("not a boolean", "maybe")] if kind == "boolean" else []
    out = [(f"{type(v).__name__} for {kind}", v) for v in _WRONG.get(kind, [])]
    if kind in ("string",) and s.get("format") in ("date-time", "date", "uuid", "email", "uri"):
        out.append(("malformed " + s["format"], "not-a-" + s["format"]))
    if not s.get("nullable"):
        out.append(("null where not nullable", None))
    return out


def limits(field: Field) -> list[tuple[str, object, bool]]:
    """(label, value, valid) at n-1, n and n+1 of every documented limit of the field."""
    s, out = field.schema, []
    item = _item(s)
    many = (lambda n: [item] * n) if item is not None else Repeat     # objects: the example's first item
    # lengths count characters: "é" is one character and two UTF-8 bytes (a server counting bytes fails)
    makers = {"minLength": lambda n: "é" * n, "maxLength": lambda n: "é" * n, "minimum": lambda n: n,
              "maximum": lambda n: n, "minItems": many, "maxItems": many}
    implied = INT_BOUNDS.get(s.get("format")) if s.get("type") == "integer" else None
    for key, make in makers.items():
        n = s.get(key)
        if n is None and implied and key in ("minimum", "maximum"):
            n = implied[key == "maximum"]                # the format's own bound (int32, int64)
        elif not isinstance(n, (int, float)) or isinstance(n, bool) or n > 2000:
            continue
        if key in ("minimum", "maximum") and s.get("exclusive" + key[0].upper() + key[1:]):
            continue
        if s.get("enum") or (key.endswith("Length") and (s.get("pattern") or s.get("format"))):
            continue                                 # a length alone does not make a valid value
        lower = key.startswith("min")
        for value_n, valid in ((n - 1, not lower), (n, True), (n + 1, lower)):
            if value_n < 0 and key in ("minLength", "maxLength", "minItems", "maxItems"):
                continue
            out.append((f"{key} {n}: {value_n}", make(value_n), valid))
        if s.get("type") == "number" and key in ("minimum", "maximum"):      # a number need not be whole
            inside = n + 0.5 if key == "minimum" else n - 0.5
            out.append((f"{key} {n}: {inside}", inside, True))
    return out


INT_BOUNDS = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1)}


@dataclass(frozen=True)
class Repeat:
    """An array of ``n`` copies of the first item of the operation's own example (a valid object item
    the gate could not make up: it may need ids of the target's resources)."""

    n: int

    def of(self, body, path) -> list | None:
        """The array for ``body`` (the request it goes into); None when ``body`` has no item at ``path``."""
        for step in path:
            if isinstance(body, dict):
                body = body.get(step)
            elif isinstance(body, list) and isinstance(step, int) and step < len(body):
                body = body[step]
            else:
                return None
        if not (isinstance(body, list) and body):
            return None
        return [copy.deepcopy(body[0]) for _ in range(self.n)]


def _item(schema):
    items = schema.get("items") or {}
    if "example" in items:
        return items["example"]
    return {"string": "a", "integer": 1, "number": 1, "boolean": True}.get(items.get("type"))


def response_fields(spec, op) -> dict[str, list[str]]:
    """Status -> the documented field paths of ``op``'s 2xx JSON responses (``a.b``, ``a[].b``; an
    object without properties, e.g. a free-form map, and an array of scalars are one field each)."""
    out: dict[str, list[str]] = {}
    for status, response in sorted(op.responses.items()):
        if not str(status).startswith("2"):
            continue
        content = (spec.contract.resolve(response) or {}).get("content") or {}
        media = next((m for m in content if "json" in m), None)
        if media is not None and content[media].get("schema"):
            paths: list[str] = []
            _leaves(spec, content[media]["schema"], "", paths, 0)
            out[str(status)] = paths
    return out


def _leaves(spec, schema, path, out, depth):
    schema = _flat(spec, schema)
    if depth > 8:
        return
    if schema.get("type") == "array" or "items" in schema:
        _leaves(spec, schema.get("items") or {}, f"{path}[]", out, depth + 1)
    elif schema.get("properties"):
        for name, sub in schema["properties"].items():
            _leaves(spec, sub, f"{path}.{name}" if path else name, out, depth + 1)
    else:
        out.append(path or "$")
