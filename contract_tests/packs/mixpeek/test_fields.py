"""The gate's rules *types* and *limits* on requests the target accepts (Mixpeek): every body and query
field of every operation (``gate/fields.py``) changed one at a time in a valid request made in a
namespace of this module's own.

The unchanged request is accepted, so a value of the wrong kind or outside a limit must be a 422 in
the Mixpeek envelope whose errors name the field (decision 28), and a value inside every limit must
be accepted (a 409 for a name already taken excepted). A patch may not carry a schema at all
(decision 26: 400): those fields are the hand-written cases' own.
"""

from __future__ import annotations

import copy
import itertools

import pytest

from contract_tests.gate import fields
from contract_tests.gate.spec import GateSpec
from contract_tests.gate.test_type_confusion import set_at
from contract_tests.specs import spec_file

from . import checks
from .contract import case_marks

SPEC = GateSpec(spec_file("mixpeek.yaml"))
SCHEMA_FIELDS = ("bucket_schema", "schema")
D = {"createBucket": "decision 30", "createBucketV2": "decision 30", "updateBucket": "decision 26",
     "listBuckets": "decision 26", "listBucketsGet": "decision 26"}


def _cases():
    return [pytest.param(f, value, valid, id=f"{f.id}-{label}",
                         marks=case_marks(f.op_id, f"{rule}: {f.id} {label}", decision=D.get(f.op_id, "decision 28")))
            for rule, f, label, value, valid in fields.field_cases(SPEC)
            if not (f.op_id == "updateBucket" and f.path[0] in SCHEMA_FIELDS)]


@pytest.fixture(scope="module")
def ns(_namespaces, request):
    if request.config.getoption("--read-only"):
        pytest.skip("--read-only: the pack creates no buckets")
    return next(_namespaces)


@pytest.fixture(scope="module")
def names():
    counter = itertools.count(1)
    return lambda: f"fields_{next(counter)}"


def _request(mixpeek, ns, names, op_id):
    """(method, path, body) of a valid request of ``op_id`` in ``ns`` (a bucket of its own to patch)."""
    op = SPEC.contract.by_id[op_id]
    body = copy.deepcopy(SPEC.request_body(op))
    values = {}
    if "{" in op.path:
        made = mixpeek.post("/v1/buckets", {"bucket_name": names(), "bucket_schema": {"properties": {}}}, ns=ns)
        assert made.status_code == 200, f"setup: {made.status_code} {made.text[:200]}"
        values = {name: made.json()["bucket_id"] for name in ("bucket_identifier", "bucket_id")}
    if isinstance(body, dict) and "bucket_name" in body:
        body["bucket_name"] = names()
    return op.method, SPEC.path(op, values), body


@pytest.mark.parametrize("field,value,valid", _cases())
def test_field(mixpeek, ns, names, field, value, valid):
    method, path, body = _request(mixpeek, ns, names, field.op_id)
    params = {}
    if isinstance(value, fields.Repeat):
        pytest.skip("no array of objects in this spec's bodies")
    if field.where == "body":
        body = set_at(body, field.path, value)
    else:
        params[field.path[0]] = value
    r = mixpeek.request(method, path, body, ns=ns, params=params)
    if not valid:
        where = ("body" if field.where == "body" else "query", *field.path)
        found = checks.locations(r)
        assert fields.names(where, found), f"no error names {list(where)}: {found}"
    elif r.status_code == 409:
        checks.error(r, 409)                      # a name already taken
    else:
        assert r.status_code == 200, f"a valid {field.id}={value!r:.60} is refused: {r.status_code} {r.text[:300]}"
