"""The gate's rules *types* and *limits* on requests the target accepts: every body and query field
of every operation (own level, nested objects, map values, array items: ``gate/fields.py``) changed
one at a time in a valid request built with this run's resources (``requests.build``).

What the generic gate cannot know, the pack does: the unchanged request is accepted, so a value of the
wrong kind or outside a limit must be refused with 400, the Dakkio envelope and a detail naming the
field (DESIGN 2); a value inside every limit must be accepted (a 409 for a name already taken
excepted, and strings too short to mean anything, e.g. a condition of one character).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from contract_tests.gate import fields
from contract_tests.gate.test_type_confusion import set_at

from . import checks
from .contract import case_marks
from .requests import SPEC, build

CASES = [pytest.param(f, value, valid, id=f"{f.id}-{label}",
                      marks=case_marks(f.op_id, f"{rule}: {f.id} {label}", decision="decision 15"))
         for rule, f, label, value, valid in fields.field_cases(SPEC)]


@pytest.fixture(scope="module")
def own(factory, request):
    """A bucket of this module's own (its source like bucket A's): what the accepted requests create
    lands there and goes with it."""
    if request.config.getoption("--read-only"):
        pytest.skip("--read-only: the suite creates no resources")
    bucket = factory.bucket()
    source = factory.source(bucket, {"temperature": {"type": "number", "unit": "celsius"},
                                     "humidity": {"type": "number"}, "status": {"type": "string"}})
    return SimpleNamespace(a=bucket, source_a=source)


@pytest.mark.parametrize("field,value,valid", CASES)
def test_field(api, factory, own, field, value, valid):
    method, path, body = build(field.op_id, own, factory)
    params = {}
    if isinstance(value, fields.Repeat):
        value = value.of(body, field.path)
        assert value is not None, f"the valid request of {field.op_id} has no item at {field.path} to repeat"
    if field.where == "body":
        body = set_at(body, field.path, value)
    else:
        params[field.path[0]] = value
    r = api.request(method, path, None, body, params=params)
    _forget(api, field.op_id, r)
    if not valid:
        body = checks.error(r, 400)
        if body["message"] == field.schema.get("x-dakkio-max-length-message"):
            return                              # the one refusal the docs word without details
        details = [d["path"] for d in body.get("details", [])]
        where = ["body" if field.where == "body" else "query", *field.path]
        assert fields.names(where, details), f"no detail names {where}: {details}"
    elif isinstance(value, str) and len(value) < 3 and r.status_code == 400:
        checks.error(r, 400)                    # too short to mean anything: refused for its meaning
    elif r.status_code == 409:
        checks.error(r, 409)                    # a name already taken
    else:
        assert 200 <= r.status_code < 300, f"a valid {field.id}={_short(value)} is refused: {r.status_code} {r.text[:300]}"


def _forget(api, op_id, r):
    """A bucket the case created (not one of this run's, its name is the case's) is deleted again."""
    if op_id == "createBucket" and r.status_code == 201:
        api.delete(f"/api/buckets/{r.json()['bucket']['_id']}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
