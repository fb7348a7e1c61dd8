"""The rule *values* (``contract_tests/values.py``): what ``expect`` compares and records, and the
coverage computed from the spec, which reports a field no case compares (so a new one cannot escape)."""

import copy
import time

import pytest
import yaml

from contract_tests import values as V
from contract_tests.gate.spec import GateSpec

from .conftest import ROOT


def test_expect_compares_values_and_records_each_field():
    ledger = V.Ledger()
    body = {"message": "ok", "bucket": {"_id": "a" * 24, "name": "n", "stats": {"x": 1}}, "pagination": {"total": 3}}
    V.expect("op", 200, body, {"message": "ok", "bucket": {"name": "n", "stats": V.Exactly({"x": 1})}}, ledger)
    assert ledger.compared[("op", "200")] == {"message", "bucket.name", "bucket.stats"}
    assert ledger.covers("op", "200", "bucket.stats.x") and not ledger.covers("op", "200", "bucket._id")
    assert not ledger.covers("op", "200", "pagination.total")
    with pytest.raises(AssertionError, match="bucket.name: expected 'm'"):
        V.expect("op", 200, body, {"bucket": {"name": "m"}}, ledger)
    with pytest.raises(AssertionError, match="pagination.total: expected 4, got 3"):
        V.expect("op", 200, body, {"pagination": {"total": 4}}, ledger)
    with pytest.raises(AssertionError, match="no field 'organizationId'"):
        V.expect("op", 200, body, {"bucket": {"organizationId": "x"}}, ledger)


def test_booleans_nulls_and_numbers_are_not_confused():
    for actual, expected in ((1, True), (0, False), (None, 0), ("1", 1), (1.0000001, 1)):
        with pytest.raises(AssertionError):
            V.expect("op", 200, {"v": actual}, {"v": expected}, V.Ledger())
    V.expect("op", 200, {"v": 2.0}, {"v": 2}, V.Ledger())      # JSON does not tell 2 from 2.0


def test_absent_where_and_flat_maps():
    ledger = V.Ledger()
    items = [{"_id": "1", "name": "a", "other": 5}, {"_id": "2", "name": "b"}, {"_id": "9", "name": "theirs"}]
    V.expect("list", 200, {"items": items, "m": {"t": 1.5, "u": 2}},
             {"items": V.Where("_id", [{"_id": "2", "name": "b", "key": V.ABSENT}]), "m": {"t": 1.5, "u": 2}}, ledger)
    assert ledger.compared[("list", "200")] == {"items[]._id", "items[].name", "items[].key", "items[]!", "m.t", "m.u", "m!"}
    assert ledger.covers("list", "200", "m") and not ledger.covers("list", "200", "items[].other")
    with pytest.raises(AssertionError, match="expected no such field"):
        V.expect("list", 200, {"items": items}, {"items": V.Where("_id", [{"_id": "1", "other": V.ABSENT}])}, ledger)
    with pytest.raises(AssertionError, match="0 elements with _id='3'"):
        V.expect("list", 200, {"items": items}, {"items": V.Where("_id", [{"_id": "3"}])}, ledger)
    with pytest.raises(AssertionError, match="3 elements, expected 1"):
        V.expect("list", 200, {"items": items}, {"items": V.Where("_id", [{"_id": "1"}], only=True)}, ledger)
    partial = V.Ledger()      # a map compared on some keys only does not cover the map
    V.expect("x", 200, {"m": {"t": 1, "u": 2}}, {"m": {"t": 1}}, partial)
    assert not partial.covers("x", "200", "m")
    root = V.Ledger()         # nor does a body whose every top-level field is named but compared in part
    V.expect("x", 200, {"a": {"b": 1, "c": 2}}, {"a": {"b": 1}}, root)
    assert not root.covers("x", "200", "a.c")


def test_generated_and_between():
    ledger = V.Ledger()
    V.expect("make", 201, {"_id": "ab" * 12}, {"_id": V.Generated("[0-9a-f]{24}")}, ledger)
    with pytest.raises(AssertionError, match="already generated"):
        V.expect("make", 201, {"_id": "ab" * 12}, {"_id": V.Generated("[0-9a-f]{24}")}, ledger)
    with pytest.raises(AssertionError, match="does not match"):
        V.expect("make", 201, {"_id": "xyz"}, {"_id": V.Generated("[0-9a-f]{24}")}, ledger)
    now = time.time()
    V.expect("make", 201, {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))},
             {"at": V.Between(now - 1, now + 1, skew=0)}, ledger)
    with pytest.raises(AssertionError, match="not between"):
        V.expect("make", 201, {"at": "2020-01-01T00:00:00Z"}, {"at": V.Between(now, now + 1)}, ledger)
    with pytest.raises(AssertionError, match="not an RFC 3339"):
        V.expect("make", 201, {"at": "15/01/2024"}, {"at": V.Between(now, now + 1)}, ledger)


def test_a_new_response_field_escapes_no_case(tmp_path):
    """Coverage comes from the spec: a field added to a response is reported until a case compares it."""
    doc = yaml.safe_load((ROOT / "openapi" / "dakkio.yaml").read_text())
    spec = GateSpec(ROOT / "openapi" / "dakkio.yaml")
    ledger = V.Ledger()
    for op in spec.operations():     # a ledger covering every documented field of the real spec
        ledger.add(op.operation_id, next(s for s in op.responses if s.startswith("2")), "$")
    assert V.coverage(spec, ledger) == {}
    grown = copy.deepcopy(doc)
    grown["components"]["schemas"]["BucketStats"]["properties"]["alertRuleCount"] = {"type": "integer"}
    grown["paths"]["/api/buckets/{id}"]["put"] = {"operationId": "renameBucket", "responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"renamed": {"type": "boolean"}}}}}}}}
    path = tmp_path / "grown.yaml"
    path.write_text(yaml.safe_dump(grown))
    ledger = V.Ledger()
    for op in spec.operations():
        ledger.add(op.operation_id, next(s for s in op.responses if s.startswith("2")), "$")
    missing = V.coverage(GateSpec(path), ledger)
    assert missing == {"renameBucket 200": ["renamed"]}
    exact = V.Ledger()        # field by field this time: the new stats field escapes in every use of it
    from contract_tests.gate.fields import response_fields
    for op in spec.operations():
        for status, paths in response_fields(spec, op).items():
            for p in paths:
                exact.add(op.operation_id, status, p)
    missing = V.coverage(GateSpec(path), exact)
    assert missing == {"getBucket 200": ["bucket.stats.alertRuleCount"],
                       "listBuckets 200": ["buckets[].stats.alertRuleCount"],
                       "createBucket 201": ["bucket.stats.alertRuleCount"],
                       "renameBucket 200": ["renamed"]}
