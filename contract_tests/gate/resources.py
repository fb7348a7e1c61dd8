"""What the gate's rules know of the resources a spec implies (``openapi_model.inference``): the item
a create answered, the total a list reports, and how to take back what a rule's request created.

The rules send valid and invalid requests alike; a valid one to a create operation makes something
on the target. The gate leaves no state behind: :func:`undo` deletes it through the resource's own
delete operation, with the parent values the create was sent with."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from openapi_model import inference as P

TOTALS = ("total", "total_count", "totalCount", "total_entries", "totalEntries", "count")


def item_of(body, id_field):
    """The object carrying ``id_field``: the body itself or the one object it wraps."""
    if isinstance(body, dict) and id_field in body:
        return body
    if isinstance(body, dict):
        inner = [v for v in body.values() if isinstance(v, dict) and id_field in v]
        if len(inner) == 1:
            return inner[0]
    return None


def total_of(body):
    """The item count a list answer reports (at its top level or in a pagination object), or None."""
    if not isinstance(body, dict):
        return None
    for place in (body, *[v for v in body.values() if isinstance(v, dict)]):
        for name in TOTALS:
            value = place.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def path_values(template: str, url_path: str) -> dict:
    """The parameter values of ``url_path`` (which ends with ``template`` filled in)."""
    names = re.findall(r"\{([^}/]+)\}", template)
    pattern = re.escape(template)
    for name in names:
        pattern = pattern.replace(re.escape("{" + name + "}"), "([^/]+)")
    m = re.search(pattern + "$", url_path)
    return dict(zip(names, m.groups(), strict=True)) if m else {}


def undo(gate_spec, http, op, response, auth) -> None:
    """If ``response`` is a create's success, delete the item it made (best effort: a leftover is
    not a failure of the target)."""
    plan = gate_spec.plans.get(op.operation_id)
    if not (200 <= response.status_code < 300) or plan is None or plan.mode != P.CREATE or plan.resource is None:
        return
    res = plan.resource
    delete = next((p for p in gate_spec.plans.values()
                   if p.mode == P.DELETE and p.resource is not None and p.resource.item == res.item), None)
    try:
        item = item_of(response.json(), res.id_field)
    except ValueError:
        return
    if delete is None or item is None or res.id_param is None:
        return
    values = path_values(op.path, urlsplit(response.request.url).path)
    values[res.id_param] = quote(str(item[res.id_field]), safe="")
    target = gate_spec.contract.by_id[delete.operation_id]
    http.request(target.method, http.base + gate_spec.path(target, values), headers=auth.headers,
                 params=auth.params, cookies=auth.cookies, timeout=30)
