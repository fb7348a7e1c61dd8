"""Every body and query field, at its own level and nested ones, gets values of the wrong kind (an
array where an object is expected, an object where a string is, a number as a string, null where not
nullable) and must be refused with a 4xx and the error body the spec documents (rule: *types*)."""

from __future__ import annotations

import copy

import pytest

from . import fields, resources
from .conftest import auth_for


def set_at(body, path, value):
    """``body`` (a copy) with ``value`` at ``path``: names of objects, indices of arrays (the valid
    example's item kept around the changed field, or a new one)."""
    body = copy.deepcopy(body) if isinstance(body, dict) else {}
    node = body
    for step, following in zip(path[:-1], path[1:], strict=True):
        want = list if isinstance(following, int) else dict
        current = node[step] if isinstance(node, list) and step < len(node) else \
            node.get(step) if isinstance(node, dict) else None
        if not isinstance(current, want):
            current = [{}] if want is list else {}
            if isinstance(node, list):
                node[step:step + 1] = [current]
            else:
                node[step] = current
        node = current
    if isinstance(node, list):
        node[path[-1]:path[-1] + 1] = [value]
    else:
        node[path[-1]] = value
    return body


UNCHANGED = object()     # send(): the operation's own request, without the field changed


def send(gate_spec, good_auth, http, field, value):
    op = gate_spec.contract.by_id[field.op_id]
    auth = auth_for(gate_spec, good_auth, op)
    if auth is None:
        pytest.skip(f"no credentials given for {op.operation_id}")
    base = gate_spec.request_body(op)
    params = dict(auth.params)
    body = base
    if isinstance(value, fields.Repeat):
        value = value.of(base, field.path)
        if value is None:
            pytest.skip(f"{field.id}: no example item to repeat")
    if value is UNCHANGED:
        pass
    elif field.where == "body":
        body = set_at(base, field.path, value)
    else:
        params[field.path[0]] = value
    r = http.request(op.method, http.base + gate_spec.path(op, {}), json=body, params=params,
                     headers=auth.headers, cookies=auth.cookies, timeout=30)
    resources.undo(gate_spec, http, op, r, auth)      # accepted by a create: take it back
    return op, r


def check_refused(gate_spec, op, r, what):
    assert 400 <= r.status_code < 500 and r.status_code not in (401, 403, 404, 405), \
        f"{what}: {r.status_code} {r.text[:300]}"
    documented = gate_spec.refusal_statuses(op)
    assert not documented or r.status_code in documented, \
        f"{what}: refused with {r.status_code}; the operation documents {sorted(documented)} for bad input"
    problems = gate_spec.error_problems(op, r)
    assert not problems, f"{what}: the {r.status_code} body is not the documented error: {problems}"


@pytest.mark.gate
def test_wrong_kind_is_refused(gate_spec, good_auth, http, confusion_case):
    field, label, value = confusion_case
    op, r = send(gate_spec, good_auth, http, field, value)
    check_refused(gate_spec, op, r, f"{field.id} {label}")
