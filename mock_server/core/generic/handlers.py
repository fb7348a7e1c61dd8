"""The handler of each operation no profile implements, from its plan: stateful create, read,
list, replace, update, upsert and delete, or documented/generated examples."""

from __future__ import annotations

import base64

from openapi_model import inference as P

from ..errors import NotFound
from .responses import NO_BODY, answer

_TOTALS = {"total", "count", "total_count", "totalcount", "totalitems", "total_items", "totalresults",
           "total_results", "totalelements", "total_elements"}
_PAGE_SIZES = ("limit", "per_page", "perpage", "page_size", "pagesize", "size", "count", "max", "maxresults")
_PAGES = ("page", "page_number", "pagenumber")
_OFFSETS = ("offset", "skip", "start")
_CURSORS = ("cursor", "after", "next", "page_token", "pagetoken", "starting_after")


def make(mock, plan: P.Plan):
    """An async handler (``body`` and every parameter by name) for ``plan``. What does not depend on
    the request (status, media type, headers, the schema's shape, the documented or generated
    example) is worked out once, at the first call."""
    contract = mock.contract
    op = contract.by_id[plan.operation_id]
    res = plan.resource
    shape: list = []
    # the items this operation's path lies under (/dags/{dag_id}/dagRuns/{id}/taskInstances lies under
    # a dag run): once one of them is deleted, whatever is under it is gone too
    ancestors = [p.resource for p in mock.plans.values() if p.mode == P.DELETE and p.resource is not None
                 and p.resource.item and p.resource.id_param and op.path.startswith(p.resource.item + "/")]

    def static():
        if not shape:
            found = answer(contract, op, mock.generic.generator)
            schema = P.flatten(contract, P.response_schema(contract, op))
            shape.append((found, schema))
        return shape[0]

    async def handler(body=None, **params):
        store = mock.generic
        found, schema = static()
        for above in ancestors:
            if _key(above, params, params.get(above.id_param)) in store.deleted:
                raise NotFound(f"{above.item}: {params.get(above.id_param)} was deleted")
        if plan.mode == P.EXAMPLES or res is None:
            if found is None:
                return {}, 200, {}
            return _reply(found.status, found.media, found.body, found.headers)
        items = store.items(res, tuple(str(params.get(p)) for p in res.parents))
        mode = plan.mode
        if mode == P.LIST:
            return _list(contract, found, schema, items, params, res)
        if mode == P.CREATE or (mode == P.UPSERT and _body_id(body, res) is None):
            item = _create(store, res, items, body)
            store.deleted.discard(_key(res, params, item[res.id_field]))
            return _shaped(contract, found, schema, res, item)
        key = str(_body_id(body, res)) if mode == P.UPSERT else str(params.get(res.id_param))
        item = items.get(key)
        if item is None:
            raise NotFound(f"{res.item or res.collection}: no item with {res.id_param or res.id_field} {key}")
        if mode in (P.REPLACE, P.UPSERT):
            new = dict(body) if isinstance(body, dict) else {}
            new[res.id_field] = item[res.id_field]
            _fill(store, res, new)
            items[key] = item = new
        elif mode == P.UPDATE and isinstance(body, dict):
            item.update({k: v for k, v in body.items() if k != res.id_field})
        elif mode == P.DELETE:
            del items[key]
            store.deleted.add(_key(res, params, key))
        return _shaped(contract, found, schema, res, item)

    handler.__name__ = plan.operation_id
    return handler


def _key(res, params: dict, item_id) -> tuple:
    """One item of one resource under its parents, as the store's tombstones name it."""
    return res.item, tuple(str(params.get(p)) for p in res.parents), str(item_id)


def _body_id(body, res):
    return body.get(res.id_field) if isinstance(body, dict) else None


def _create(store, res, items, body) -> dict:
    item = dict(body) if isinstance(body, dict) else {}   # a body parsed for this request alone
    if item.get(res.id_field) in (None, ""):     # an empty id could never be addressed in a path
        item[res.id_field] = store.new_id(res, items)
    _fill(store, res, item)
    items[str(item[res.id_field])] = item
    return item


def _fill(store, res, item: dict) -> None:
    """The server fields the item's schema requires and the client did not send."""
    for name in res.schema.get("required") or ():
        if name not in item:
            sub = (res.schema.get("properties") or {}).get(name) or {}
            item[name] = store.generator.value(sub, 1, name)


def _shaped(contract, found, schema, res, item):
    if found is None:
        return _reply(200, "application/json", _public(contract, res.schema, item, res), {})
    if found.body is NO_BODY or found.media is None or "json" not in found.media:
        return _reply(found.status, found.media, found.body, found.headers)
    return _reply(found.status, found.media, wrap(contract, schema, _public(contract, schema, item, res),
                                                   found.body, res), found.headers)


def wrap(contract, schema: dict, item: dict, example, res):
    """``item`` as the response schema holds it: itself, or inside a wrapper object's property."""
    props = schema.get("properties") or {}
    if not props or res.id_field in props or schema.get("type") == "array":
        return item
    for name, sub in props.items():
        sub = P.flatten(contract, sub)
        if res.id_field in (sub.get("properties") or {}):
            out = dict(example) if isinstance(example, dict) else {}
            out[name] = _public(contract, sub, item, res)
            return out
    return item


def _public(contract, schema: dict, item: dict, res=None) -> dict:
    """The item without what a response never carries: writeOnly fields (of the response schema, or
    of the resource's own, e.g. a password the create took) and keys ``additionalProperties: false``
    forbids."""
    known, hidden, closed = _visibility(contract, schema)
    if res is not None and res.schema:
        hidden = hidden | _write_only(contract, res)
    if not hidden and not closed:
        return item
    return {k: v for k, v in item.items() if k not in hidden and (not closed or k in known)}


_VISIBILITY: dict[int, tuple] = {}


def _visibility(contract, schema: dict) -> tuple[frozenset, frozenset, bool]:
    hit = _VISIBILITY.get(id(schema))
    if hit is None or hit[0] is not schema:
        props = schema.get("properties") or {}
        hidden = frozenset(k for k, sub in props.items() if (contract.resolve(sub) or {}).get("writeOnly"))
        hit = _VISIBILITY[id(schema)] = (schema, (frozenset(props), hidden,
                                                  bool(props) and schema.get("additionalProperties") is False))
    return hit[1]


_WRITE_ONLY: dict[int, tuple] = {}
_NO_SCHEMA: dict = {}


def _write_only(contract, res) -> frozenset:
    """The writeOnly fields of the resource's own schema (computed once per resource)."""
    hit = _WRITE_ONLY.get(id(res))
    if hit is None or hit[0] is not res:
        hit = _WRITE_ONLY[id(res)] = (res, _visibility(contract, P.flatten(contract, res.schema))[1])
    return hit[1]


def _list(contract, found, schema, items: dict, params: dict, res=None):
    everything = list(items.values())
    start, size, page_of = _paging(params, len(everything))
    chosen = everything[start: start + size] if size is not None else everything[start:]
    chosen = [_public(contract, _NO_SCHEMA, item, res) for item in chosen]     # the page only
    status, media, headers = (found.status, found.media, found.headers) if found else (200, "application/json", {})
    if schema.get("type") == "array" or not schema:
        return _reply(status, media, chosen, headers)
    body = dict(found.body) if found and isinstance(found.body, dict) else {}
    for name, sub in (schema.get("properties") or {}).items():
        sub = P.flatten(contract, sub)
        low = name.lower()
        if sub.get("type") == "array":
            body[name] = chosen
        elif (low in _TOTALS or low.startswith("total")) and sub.get("type") in ("integer", "number"):
            body[name] = len(everything)
        elif low in ("has_more", "hasmore", "more") and sub.get("type") == "boolean":
            body[name] = start + len(chosen) < len(everything)
        elif low in _CURSORS or low in ("next_cursor", "nextcursor"):
            more = size is not None and start + len(chosen) < len(everything)
            body[name] = _cursor(start + len(chosen)) if more else None
        elif low in _PAGE_SIZES and size is not None and sub.get("type") == "integer":
            body[name] = size
        elif low in _OFFSETS and sub.get("type") == "integer":
            body[name] = start
        elif low in _PAGES and page_of is not None and sub.get("type") == "integer":
            body[name] = page_of
    return _reply(status, media, body, headers)


def _paging(params: dict, total: int) -> tuple[int, int | None, int | None]:
    """(start, page size or None, page number or None) from whatever paging parameters were declared."""
    lower = {k.lower(): v for k, v in params.items() if v is not None}
    size = next((_int(lower[k]) for k in _PAGE_SIZES if k in lower), None)
    for k in _CURSORS:
        if k in lower:
            return _uncursor(lower[k]), size, None
    for k in _PAGES:
        if k in lower and size is not None:
            page = max(1, _int(lower[k]) or 1)
            return (page - 1) * size, size, page
    start = next((_int(lower[k]) for k in _OFFSETS if k in lower), 0) or 0
    return max(0, start), size, None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"o:{position}".encode()).decode().rstrip("=")


def _uncursor(text) -> int:
    try:
        raw = base64.urlsafe_b64decode(str(text) + "=" * (-len(str(text)) % 4)).decode()
        return max(0, int(raw[2:])) if raw.startswith("o:") else 0
    except (ValueError, UnicodeDecodeError):
        return 0


def _reply(status, media, body, headers):
    headers = dict(headers)
    if body is NO_BODY:
        return b"", status, headers
    if media:
        headers["Content-Type"] = media
    if isinstance(body, str) and media and "json" not in media:
        return body.encode(), status, headers
    return body, status, headers
