"""Schema-generated values (``core.generate``, ``core.regexgen``): they validate against their schema."""

import random
import re

import pytest
from jsonschema import Draft4Validator

from mock_server.core.validation import FORMAT_CHECKER
from openapi_model import regexgen
from openapi_model.generate import Generator
from openapi_model.schema import draft4 as _draft4

SCHEMAS = [
    {"type": "string", "format": "date-time"}, {"type": "string", "format": "date"},
    {"type": "string", "format": "uuid"}, {"type": "string", "format": "email"},
    {"type": "string", "format": "uri"}, {"type": "integer", "format": "int32"},
    {"type": "integer", "format": "int64", "minimum": 10, "maximum": 12},
    {"type": "number", "minimum": 0.5, "maximum": 0.75}, {"type": "string", "enum": ["a", "b"]},
    {"type": "string", "minLength": 20, "maxLength": 22}, {"type": "string", "pattern": "^ab[0-9]{3}$"},
    {"type": "array", "items": {"type": "integer"}, "minItems": 3, "maxItems": 4, "uniqueItems": True},
    {"type": "object", "required": ["a"], "properties": {"a": {"type": "boolean"}, "b": {"type": "string"}}},
    {"allOf": [{"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
               {"properties": {"y": {"type": "string", "format": "uuid"}}}]},
    {"oneOf": [{"type": "integer", "multipleOf": 5, "minimum": 1}, {"type": "string"}]},
    {"type": "string", "nullable": True, "maxLength": 3},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=[str(s)[:60] for s in SCHEMAS])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_values_validate(schema, seed):
    value = Generator(lambda s: s, seed).value(schema)
    Draft4Validator(_draft4(schema), format_checker=FORMAT_CHECKER).validate(value)


def test_examples_come_first_unless_dynamic():
    schema = {"type": "string", "example": "documented"}
    assert Generator(lambda s: s, 1).value(schema) == "documented"
    assert Generator(lambda s: s, 1, use_examples=False).value(schema) != "documented"


def test_same_seed_same_value_other_seed_other_value():
    schema = {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "n": {"type": "integer"}}}
    assert Generator(lambda s: s, 5).value(schema) == Generator(lambda s: s, 5).value(schema)
    assert Generator(lambda s: s, 5).value(schema) != Generator(lambda s: s, 6).value(schema)


@pytest.mark.parametrize("pattern", [r"^bkt_[0-9a-f]{12}$", r"^[A-Z]{2,3}-\d+$", r"^(red|green)(-x)?$",
                                     r"^\w+@\w+\.com$", r"[^a-z]{4}"])
def test_regexgen_matches_its_pattern(pattern):
    for seed in range(5):
        text = regexgen.generate(pattern, random.Random(seed))
        assert text is not None and re.search(pattern, text), (pattern, text)


def test_regexgen_gives_up_on_lookarounds():
    assert regexgen.generate(r"^(?=a)a$", random.Random(0)) is None
