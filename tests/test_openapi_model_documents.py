"""Reading contracts (``core.documents``, ``core.openapi31``): bundling, 3.1 conversion, refusals."""

import pytest
import yaml

from openapi_model.documents import SpecRefused, load
from openapi_model.openapi31 import to_30

from .conftest import ROOT

THIRD = ROOT / "tests" / "thirdparty"


def test_multi_file_refs_are_bundled_into_one_document():
    doc = load(THIRD / "multifile" / "openapi.yaml")
    text = yaml.safe_dump(doc)
    assert ".yaml" not in text.replace("openapi.yaml", "")          # no reference to another file left
    assert "post" in doc["paths"]["/pets"] and "get" in doc["paths"]["/pets"]   # the path item file, inlined
    schemas = doc["components"]["schemas"]
    assert any("name" in (s.get("properties") or {}) for s in schemas.values())


def test_31_conversion_is_lossless_for_the_listed_constructs():
    doc, problems = to_30({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {
        "type": "object", "properties": {
            "a": {"type": ["string", "null"], "examples": ["x", "y"]}, "b": {"const": 3},
            "c": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}}}}}})
    props = doc["components"]["schemas"]["A"]["properties"]
    assert problems == [] and doc["openapi"] == "3.0.3"
    assert props["a"] == {"type": "string", "nullable": True, "example": "x"}
    assert props["b"] == {"enum": [3]}
    assert props["c"] == {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1,
                          "exclusiveMaximum": True}


def test_31_problems_name_the_place():
    _, problems = to_30({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {
        "type": "array", "prefixItems": [{"type": "string"}]}}}})
    assert problems == [("/components/schemas/A", "'prefixItems'")]


@pytest.mark.parametrize("content,message", [
    ("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n", "Convert it to OpenAPI 3"),
    ("openapi: 4.0.0\npaths: {}\n", "not an OpenAPI 3.0 or 3.1"),
    ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\n", "no 'paths'"),
    ("[1, 2]\n", "not an OpenAPI document"),
    ("openapi: 3.0.3\npaths: {/a: {$ref: 'nowhere.yaml'}}\n", "cannot read"),
    ("openapi: [\n", "not valid YAML or JSON"),
])
def test_refusals_say_why(tmp_path, content, message):
    path = tmp_path / "spec.yaml"
    path.write_text(content)
    with pytest.raises(SpecRefused, match=message):
        load(path)


def test_security_alternatives_naming_undefined_schemes_are_dropped(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                    "components": {"securitySchemes": {"b": {"type": "http", "scheme": "basic"}}},
                                    "security": [{"b": []}, {"missing": []}], "paths": {}}))
    assert load(path)["security"] == [{"b": []}]
