"""The gate misses nothing systematic: for each spec we serve, an independent walk of the spec finds
every operation and field, and each must be covered by the gate's rule generators (coverage computed
from the spec, not counted by hand). Adding an operation or a field to a spec cannot escape a rule."""

import pytest
import yaml

from contract_tests.gate import fields
from contract_tests.gate.conftest import resource_cases
from contract_tests.gate.spec import GateSpec

from .conftest import ROOT

SPECS = [ROOT / "openapi" / "dakkio.yaml", ROOT / "openapi" / "mixpeek.yaml",
         ROOT / "tests" / "thirdparty" / "oai_petstore_expanded" / "petstore-expanded.yaml",
         ROOT / "tests" / "thirdparty" / "airflow_v1" / "v1.yaml"]


def _independent_body_fields(doc, schema, path=(), depth=0, seen=()):
    """Body field paths, walked without the gate's code (own $ref and allOf handling)."""
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            return
        seen = (*seen, ref)
        node = doc
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if not isinstance(schema, dict) or depth >= fields.MAX_DEPTH:
        return
    props = dict(schema.get("properties") or {})
    for branch in schema.get("allOf") or []:
        while isinstance(branch, dict) and "$ref" in branch:
            node = doc
            for part in branch["$ref"].lstrip("#/").split("/"):
                node = node[part]
            branch = node
        props.update((branch or {}).get("properties") or {})
    if isinstance(schema.get("additionalProperties"), dict) and schema["additionalProperties"]:
        props["gate_key"] = schema["additionalProperties"]        # a map: its values, under one key
    for name, sub in props.items():
        yield (*path, name)
        node = sub
        while isinstance(node, dict) and "$ref" in node:
            node = _deref(doc, node["$ref"])
        if isinstance(node, dict) and node.get("type") == "array" and depth + 2 < fields.MAX_DEPTH + 1:
            items = node.get("items") or {}
            while isinstance(items, dict) and "$ref" in items:
                items = _deref(doc, items["$ref"])
            if items.get("type") == "object" or "properties" in items:   # an array of objects: its first item
                yield from _independent_body_fields(doc, items, (*path, name, "0"), depth + 1, seen)
                continue
        yield from _independent_body_fields(doc, sub, (*path, name), depth + 1, seen)


def _deref(doc, ref):
    node = doc
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_field_and_operation_is_under_a_rule(path):
    spec = GateSpec(path)
    doc = spec.doc
    walked = {f.id for f in fields.all_fields(spec)}
    for item in doc["paths"].values():
        for op in item.values():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            body = (op.get("requestBody") or {})
            while "$ref" in body:
                node = doc
                for part in body["$ref"].lstrip("#/").split("/"):
                    node = node[part]
                body = node
            schema = next((m.get("schema") for k, m in (body.get("content") or {}).items() if "json" in k), None)
            for fpath in _independent_body_fields(doc, schema):
                assert f"{op['operationId']}:body.{'.'.join(fpath)}" in walked, (op["operationId"], fpath)
            params = [*item.get("parameters", []), *op.get("parameters", [])]
            for prm in params:
                while "$ref" in prm:
                    node = doc
                    for part in prm["$ref"].lstrip("#/").split("/"):
                        node = node[part]
                    prm = node
                if prm.get("in") == "query":
                    assert f"{op['operationId']}:query.{prm['name']}" in walked, (op["operationId"], prm["name"])
    for f in fields.all_fields(spec):     # typed fields get type confusion; limited fields get n-1, n, n+1
        s = f.schema
        union = s.get("oneOf") or s.get("anyOf") or []
        if f.where == "body" and "not" not in s and (
                s.get("type") in ("object", "array", "string", "integer", "number", "boolean")
                or (union and all(isinstance(b, dict) and b.get("type") for b in union))):
            assert fields.confusions(f), f.id
        if any(isinstance(s.get(k), int) and s.get(k) <= 2000 for k in ("maxLength", "maximum", "maxItems")) \
                and not s.get("enum") and not s.get("pattern") and not s.get("format") \
                and not s.get("exclusiveMaximum"):
            assert any(not valid for _, _, valid in fields.limits(f)), f.id
    secured = [op for op in spec.operations() if spec.secured(op)]
    declared = [op for op in spec.operations()
                if (doc["paths"][op.path][op.method.lower()].get("security", doc.get("security")) or [])
                and all(doc["paths"][op.path][op.method.lower()].get("security", doc.get("security")))]
    assert {o.operation_id for o in secured} == {o.operation_id for o in declared}


def test_the_resource_walks_cover_every_create_and_read_pair():
    spec = GateSpec(SPECS[3])
    assert set(resource_cases(spec)) == {"/connections/{connection_id}", "/dags/{dag_id}/dagRuns/{dag_run_id}",
                                          "/pools/{pool_name}", "/roles/{role_name}", "/users/{username}",
                                          "/variables/{variable_key}"}
    assert yaml.safe_load((SPECS[0]).read_text())["paths"]["/api/buckets/{id}"]["get"]
    assert resource_cases(GateSpec(SPECS[0])) == ["/api/buckets/{id}"]
