"""How each operation of a spec will answer, and why (DESIGN decision 33).

Resources are found from the spec's ``links`` first (a create operation's response field
feeding a parameter of a read, update or delete), then from REST paths (``POST /things`` with
``GET|PUT|PATCH|DELETE /things/{id}`` and ``GET /things``; ``PUT /things`` carrying the id in
the body). Every other operation answers from its examples, as Prism does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .generate import merge_all_of

CREATE, READ, LIST, REPLACE, UPDATE, DELETE, UPSERT, EXAMPLES, PROFILE = (
    "create", "read", "list", "replace", "update", "delete", "upsert", "examples", "profile")
_ITEM_METHOD = {"GET": READ, "PUT": REPLACE, "PATCH": UPDATE, "DELETE": DELETE}


@dataclass
class Resource:
    collection: str               # path template of the collection, e.g. /users/{userId}/pets
    item: str | None              # path template of one item, e.g. /users/{userId}/pets/{petId}
    id_param: str | None          # the item path's own parameter
    id_field: str                 # the body field carrying the id
    id_schema: dict               # its schema (integer: a sequence; uuid; string)
    schema: dict = field(repr=False, default_factory=dict)   # the item's schema (for server fields)
    parents: tuple = ()           # the collection path's parameters: items are kept per parent


@dataclass
class Plan:
    operation_id: str
    method: str
    path: str
    mode: str
    reason: str
    resource: Resource | None = field(default=None, repr=False)

    def row(self) -> dict:
        return {"operationId": self.operation_id, "method": self.method, "path": self.path, "mode": self.mode,
                "reason": self.reason}


def _params(template: str) -> list[str]:
    return re.findall(r"\{([^}/]+)\}", template)


def infer(contract, implemented: set[str] = frozenset(), profile_name: str = "") -> dict[str, Plan]:
    """A plan per operationId."""
    ops = list(contract.by_id.values())
    plans: dict[str, Plan] = {}
    for op in ops:
        if op.operation_id in implemented:
            plans[op.operation_id] = Plan(op.operation_id, op.method, op.path, PROFILE,
                                          f"implemented by the {profile_name} profile")
    by_path: dict[str, dict[str, object]] = {}
    for op in ops:
        by_path.setdefault(op.path, {})[op.method] = op
    _RESOURCES.clear()
    _from_links(contract, ops, by_path, plans)
    _from_paths(contract, by_path, plans)
    _RESOURCES.clear()
    for op in ops:
        if op.operation_id not in plans:
            plans[op.operation_id] = Plan(op.operation_id, op.method, op.path, EXAMPLES,
                                          "fits no CRUD pattern: documented examples, else generated")
    return plans


def _from_links(contract, ops, by_path, plans) -> None:
    for op in ops:
        if op.method != "POST" or op.operation_id in plans:
            continue
        for status, response in op.responses.items():
            if not str(status).startswith("2"):
                continue
            links = (contract.resolve(response) or {}).get("links") or {}
            for link in links.values():
                link = contract.resolve(link)
                target = contract.by_id.get(link.get("operationId", ""))
                if target is None or target.operation_id in plans:
                    continue
                for param, expr in (link.get("parameters") or {}).items():
                    m = re.fullmatch(r"\$response\.body#/([^/]+)", str(expr))
                    own = _params(target.path)
                    if not m or param not in own or target.method not in _ITEM_METHOD:
                        continue
                    collection = op.path            # the link states the relation: no path shape needed
                    res = _resource(contract, by_path, collection, target.path, param, m.group(1), op)
                    why = f"links: {op.operation_id} -> {target.operation_id} via {expr}"
                    _claim(plans, op, CREATE, why, res)
                    for method, other in by_path.get(target.path, {}).items():
                        if method in _ITEM_METHOD:
                            _claim(plans, other, _ITEM_METHOD[method], why, res)
                    lister = by_path.get(collection, {}).get("GET")
                    if lister is not None:
                        _claim(plans, lister, LIST, f"links: lists what {op.operation_id} creates", res)


def _from_paths(contract, by_path, plans) -> None:
    for path, methods in by_path.items():
        creator = methods.get("POST")
        items = [p for p in by_path if re.fullmatch(re.escape(path.rstrip("/")) + r"/\{[^}/]+\}", p)]
        if creator is None and "PUT" in methods and items:
            creator = None
        if not items or (creator is None and "PUT" not in methods):
            continue
        item = items[0]
        param = _params(item)[-1]
        anchor = creator or methods.get("PUT")
        res = _resource(contract, by_path, path, item, param, None, anchor)
        why = f"REST paths: {path} and {item}"
        if creator is not None:
            _claim(plans, creator, CREATE, why, res)
        if "PUT" in methods:
            _claim(plans, methods["PUT"], UPSERT, f"REST paths: PUT {path} carries {res.id_field} in the body", res)
        if "GET" in methods:
            _claim(plans, methods["GET"], LIST, why, res)
        for method, other in by_path.get(item, {}).items():
            if method in _ITEM_METHOD:
                _claim(plans, other, _ITEM_METHOD[method], why, res)


def _claim(plans, op, mode, reason, resource) -> None:
    if op.operation_id not in plans:
        plans[op.operation_id] = Plan(op.operation_id, op.method, op.path, mode, reason, resource)


_RESOURCES: dict[str, Resource] = {}     # item path -> its resource, while one spec is inferred


def _resource(contract, by_path, collection, item, param, field_name, anchor) -> Resource:
    """One resource per item path: creates at two paths (and their lists) share one store."""
    if item in _RESOURCES:
        return _RESOURCES[item]
    _RESOURCES[item] = res = _new_resource(contract, by_path, collection, item, param, field_name, anchor)
    return res


def _new_resource(contract, by_path, collection, item, param, field_name, anchor) -> Resource:
    schema = item_schema(contract, anchor) or item_schema(contract, by_path.get(item, {}).get("GET")) or {}
    props = schema.get("properties") or {}
    if field_name is None:
        last_word = re.split(r"_|(?<=[a-z])(?=[A-Z])", param)[-1].lower()   # pool_name -> name, userId -> id
        candidates = [param, last_word, "id", "_id", "uuid", "name", "key"] + [p for p in props if p.lower().endswith("id")]
        field_name = next((c for c in candidates if c in props), param if not props else "id")
    id_schema = contract.resolve(props.get(field_name) or {}) or {}
    if not id_schema:
        id_schema = next((p.get("schema", {}) for p in _op_params(contract, by_path.get(item, {}))
                          if p.get("name") == param), {"type": "string"})
    return Resource(collection, item, param, field_name, contract.resolve(id_schema), schema,
                    tuple(_params(collection)))


def _op_params(contract, methods: dict):
    for op in methods.values():
        raw = contract.doc["paths"][op.path]
        for p in [*raw.get("parameters", []), *raw.get(op.method.lower(), {}).get("parameters", [])]:
            yield contract.resolve(p)


def success(op) -> tuple[str, dict] | None:
    """The operation's documented success (lowest 2xx, else 'default'): (status, response)."""
    codes = sorted(s for s in op.responses if str(s).startswith("2"))
    if codes:
        return str(codes[0]), op.responses[codes[0]]
    if "2XX" in op.responses:
        return "200", op.responses["2XX"]
    return None


def json_media(contract, response) -> tuple[str, dict] | None:
    """(media type, media object) of a response's JSON content (``application/json`` first)."""
    content = (contract.resolve(response) or {}).get("content") or {}
    for media in sorted(content, key=lambda m: (m != "application/json", "json" not in m)):
        if "json" in media:
            return media, content[media]
    return None


def response_schema(contract, op) -> dict:
    found = success(op)
    media = json_media(contract, found[1]) if found else None
    return contract.resolve(media[1].get("schema") or {}) if media else {}


def item_schema(contract, op) -> dict:
    """The schema of one item as ``op`` answers it: its success schema, or a wrapper's item property."""
    if op is None:
        return {}
    schema = flatten(contract, response_schema(contract, op))
    if schema.get("type") == "array":
        return flatten(contract, contract.resolve(schema.get("items") or {}))
    return unwrapped(contract, schema)


_ID_LIKE = ("id", "_id", "uuid", "key", "name")


def unwrapped(contract, schema: dict) -> dict:
    """A wrapper's item: ``{"message": ..., "bucket": {...}}`` -> the bucket's schema (the only
    object property that has properties), when the wrapper itself carries no id-like field."""
    props = schema.get("properties") or {}
    if any(k.lower() in _ID_LIKE or k.lower().endswith("id") for k in props):
        return schema
    inner = [flatten(contract, sub) for sub in props.values()]
    inner = [sub for sub in inner if sub.get("type", "object") == "object" and sub.get("properties")]
    return inner[0] if len(inner) == 1 else schema


def flatten(contract, schema: dict) -> dict:
    schema = contract.resolve(schema) or {}
    if "allOf" in schema:
        schema = merge_all_of(schema, contract.resolve)
    return schema
