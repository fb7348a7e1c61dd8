"""CRUD walks of every resource the spec implies (its links, then REST paths): what was created
reads back equal (every scalar sent; a ``writeOnly`` one never; strings that may be empty, empty),
appears in the list with a total that counts it (a page of one too), not under another parent, a
second create of the same body is a second item, updates are visible (a refused one changes nothing), a delete makes reads 404 and a second delete 404, ids
are not handed out again (rule: *state*). Error bodies met on the way match their documented schema."""

from __future__ import annotations

import uuid

import pytest

from openapi_model import inference as P

from . import fields
from .conftest import auth_for
from .resources import item_of, total_of


class Walk:
    def __init__(self, gate_spec, good_auth, http, item):
        self.spec, self.http, self.item = gate_spec, http, item
        self.ops = {p.mode: gate_spec.contract.by_id[p.operation_id] for p in gate_spec.plans.values()
                    if p.resource is not None and p.resource.item == item}
        self.res = next(p.resource for p in gate_spec.plans.values() if p.resource and p.resource.item == item)
        self.good_auth = good_auth
        self.parents = {name: f"gate-{uuid.uuid4().hex[:8]}" for name in self.res.parents}

    def call(self, mode, item_id=None, body=None, params=None, parents=None):
        op = self.ops[mode]
        auth = auth_for(self.spec, self.good_auth, op)
        if auth is None:
            pytest.skip(f"no credentials given for {op.operation_id}")
        values = dict(parents or self.parents)
        if item_id is not None and self.res.id_param:
            values[self.res.id_param] = item_id
        r = self.http.request(op.method, self.http.base + self.spec.path(op, values), json=body,
                              headers=auth.headers, params={**auth.params, **(params or {})}, cookies=auth.cookies,
                              timeout=30)
        if r.status_code >= 400:
            problems = self.spec.error_problems(op, r)
            assert not problems, f"{op.operation_id} {r.status_code}: not the documented error: {problems}"
        return r


def _unique(body, res, run):
    """The create body with names made unique to this run (many APIs refuse duplicate names)."""
    body = dict(body) if isinstance(body, dict) else {}
    for key, value in list(body.items()):
        low = key.lower()
        if isinstance(value, str) and (key == res.id_field or low == "name" or low.endswith(("_name", "name"))):
            body[key] = f"gate{run}{value}"[:60] if value else f"gate{run}"
    return body


def _listed(body, id_field):
    items = body if isinstance(body, list) else next((v for v in body.values() if isinstance(v, list)), []) \
        if isinstance(body, dict) else []
    return [str(i.get(id_field)) for i in items if isinstance(i, dict)]


PAGE_SIZES = ("limit", "page_size", "per_page", "pageSize", "perPage", "size")


@pytest.mark.gate
def test_crud_walk(gate_spec, good_auth, http, resource_case):
    """One resource's life, step by step; each step a rule of *state*."""
    w = Walk(gate_spec, good_auth, http, resource_case)
    run = uuid.uuid4().hex[:6]
    example = gate_spec.request_body(w.ops[P.CREATE], seed=1)
    body = _unique(example, w.res, run)
    counted = P.LIST in w.ops and w.ops[P.LIST].method == "GET"
    before = _total(w) if counted else None
    item_id = _create(w, body)
    _reads_back(w, item_id, body)
    _listed_and_counted(w, item_id, before)
    _not_under_another_parent(w, item_id)
    _updates_visible(w, item_id, body)
    made = [item_id, *_more_items(w, item_id, body, example, run, counted)]
    _page_of_one_counts_all(w, made, before)
    if P.DELETE in w.ops:
        _deletes(w, made, before)
        if w.res.id_field not in body:
            _ids_not_handed_out_again(w, made, _unique(example, w.res, run + "r"))


def _listed_and_counted(w, item_id, before):
    """The new item is listed, and the list's total counts it."""
    if P.LIST not in w.ops:
        return
    listed = w.call(P.LIST)
    assert listed.status_code == 200
    if w.ops[P.LIST].method == "GET" and len(_listed(listed.json(), w.res.id_field)) < 50:
        assert str(item_id) in _listed(listed.json(), w.res.id_field), "the created item is not listed"
    if before is not None:
        assert total_of(listed.json()) == before + 1, f"the list's total does not count the new item: {before} before"


def _not_under_another_parent(w, item_id):
    """An item lives under its parent only."""
    if w.res.parents:
        elsewhere = w.call(P.READ, item_id, parents={n: f"{v}-other" for n, v in w.parents.items()})
        assert elsewhere.status_code == 404, f"the item reads under another parent: {elsewhere.status_code}"


def _updates_visible(w, item_id, body):
    """A refused update changes nothing; an accepted one is visible on read."""
    update = next((m for m in (P.UPDATE, P.REPLACE) if m in w.ops), None)
    changeable = next((k for k, v in body.items() if isinstance(v, str) and k != w.res.id_field), None)
    if not (update and changeable):
        return
    value = body[changeable] + "-v2"
    new = {**body, changeable: value} if update == P.REPLACE else {changeable: value}
    _refused_update_changes_nothing(w, update, item_id, new, changeable, body[changeable])
    if w.call(update, item_id, new).status_code < 300:
        again = item_of(w.call(P.READ, item_id).json(), w.res.id_field)
        assert again[changeable] == value, f"{update} is not visible on read"


def _more_items(w, item_id, body, example, run, counted) -> list:
    """The same body again is a second item (where names need not be unique); strings that may be
    empty read back empty; two new items at least, for the page of one."""
    made = []
    if w.res.id_field not in body and "409" not in w.ops[P.CREATE].responses:
        made.append(_create(w, body))
        assert str(made[-1]) != str(item_id), "a second create with the same body answered the first item"
        if counted:
            listed = _listed(w.call(P.LIST).json(), w.res.id_field)
            if len(listed) < 50:
                assert {str(item_id), str(made[-1])} <= set(listed), "two items of one body: not both listed"
    blank_body = _blanked(w.spec, w.ops[P.CREATE], _unique(example, w.res, run + "e"), w.res)
    if blank_body is not None:
        made.append(_create(w, blank_body))
        _reads_back(w, made[-1], blank_body)
    if not made:
        made.append(_create(w, _unique(example, w.res, run + "2")))
    return made


def _page_of_one_counts_all(w, made, before):
    """A list's total is the collection's, whatever the page size asked for."""
    if before is None:
        return
    page = next((p["name"] for p in w.spec.parameters(w.ops[P.LIST]) if p["in"] == "query"
                 and p["name"] in PAGE_SIZES), None)
    small = w.call(P.LIST, params={page: 1}) if page else None
    if small is not None and small.status_code == 200:
        assert total_of(small.json()) == before + len(made), \
            f"with {len(made)} new items, the total of a page of one ({page}=1) is {total_of(small.json())}, {before} before"


def _deletes(w, made, before):
    """A delete makes reads 404, a second delete 404, and the list's total forgets the item."""
    for made_id in made:
        gone = w.call(P.DELETE, made_id)
        assert 200 <= gone.status_code < 300, f"delete: {gone.status_code} {gone.text[:300]}"
        assert w.call(P.READ, made_id).status_code == 404, "read after delete"
    assert w.call(P.DELETE, made[0]).status_code == 404, "second delete"
    if before is not None:
        assert _total(w) == before, "the list's total still counts the deleted item"


def _ids_not_handed_out_again(w, made, body):
    """An item created after the deletes gets an id none of them had; the deleted ones stay 404."""
    later = _create(w, body)
    assert str(later) not in {str(i) for i in made}, f"a deleted item's id {later} was given to a new one"
    assert w.call(P.READ, made[0]).status_code == 404, "a deleted id reads again"
    w.call(P.DELETE, later)


def _refused_update_changes_nothing(w, update, item_id, new, changeable, before):
    """The update with one more field of the wrong kind is refused as a whole: nothing of it is stored."""
    wrong = next(((f, v) for f in fields.body_fields(w.spec, w.ops[update]) if len(f.path) == 1
                  and f.path[0] not in (changeable, w.res.id_field) for _, v in fields.confusions(f)[:1]), None)
    if wrong is None:
        return
    (f, value) = wrong
    refused = w.call(update, item_id, {**new, f.path[0]: value})
    assert 400 <= refused.status_code < 500 and refused.status_code != 404, \
        f"{update} with {f.path[0]}={value!r} (the wrong kind): {refused.status_code} {refused.text[:200]}"
    kept = item_of(w.call(P.READ, item_id).json(), w.res.id_field)
    assert kept[changeable] == before, f"a refused {update} still changed {changeable}: {kept[changeable]!r}"


def _create(w, body):
    created = w.call(P.CREATE, body=body)
    assert 200 <= created.status_code < 300, f"create: {created.status_code} {created.text[:300]}"
    item = item_of(created.json(), w.res.id_field) if created.content else None
    item_id = (item or {}).get(w.res.id_field, body.get(w.res.id_field))
    assert item_id not in (None, ""), f"create answered no {w.res.id_field}: {created.text[:300]}"
    return item_id


def _reads_back(w, item_id, body):
    """What was sent reads back equal (every scalar field the stored item shows)."""
    read = w.call(P.READ, item_id)
    assert read.status_code == 200, f"read after create: {read.status_code} {read.text[:300]}"
    stored = item_of(read.json(), w.res.id_field)
    assert stored is not None and str(stored[w.res.id_field]) == str(item_id)
    hidden = {f.path[0] for f in fields.body_fields(w.spec, w.ops[P.CREATE]) if f.schema.get("writeOnly")}
    assert not hidden & set(stored), f"writeOnly fields read back: {sorted(hidden & set(stored))}"
    for key, value in body.items():
        if isinstance(value, (str, int, float, bool)) and key not in hidden:
            assert key in stored, f"{key}: sent {value!r}, the stored item has no {key}"
            assert stored[key] == value, f"{key}: sent {value!r}, read back {stored[key]!r}"


def _blanked(gate_spec, op, body, res):
    """``body`` with every top-level string the schema lets be empty set to "" (None: there is none)."""
    empty = [f.path[0] for f in fields.body_fields(gate_spec, op)
             if len(f.path) == 1 and f.schema.get("type") == "string" and not f.schema.get("minLength")
             and not any(k in f.schema for k in ("pattern", "format", "enum")) and f.path[0] != res.id_field
             and isinstance(body, dict)]
    return {**body, **{k: "" for k in empty}} if empty else None


def _total(w):
    r = w.call(P.LIST)
    return total_of(r.json()) if r.status_code == 200 and r.content else None
