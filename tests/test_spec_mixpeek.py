"""The Mixpeek contract (openapi/mixpeek.yaml): valid, lint-clean, self-consistent, true to seed S004
and to DESIGN decisions 26-31.

The bucket schema is recursive by design (a field's `items`/`properties` nest field definitions), so
the whole document cannot be inlined with `conftest.deref`; examples are validated with the spec's
`components` attached, so that `$ref`s resolve lazily.
"""

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from .conftest import ROOT, deref, node_bin, operations

MIXPEEK_PATH = ROOT / "openapi" / "mixpeek.yaml"

# Seed 004 (docs.mixpeek.com/api-reference/buckets/create-bucket), the curl's --data, verbatim.
SEED_CURL_BODY = """{
  "bucket_name": "user_profiles",
  "description": "Bucket for storing user profile information",
  "metadata": {
    "created_by": "admin",
    "department": "HR"
  },
  "schema": {
    "properties": {
      "user_picture": {
        "type": "image"
      },
      "documents": {
        "items": {
          "type": "pdf"
        },
        "type": "array"
      }
    }
  }
}"""

# Seed 004's response example, verbatim (placeholders and all): its keys are the response model's.
SEED_RESPONSE = """{
  "bucket_id": "<string>",
  "bucket_name": "<string>",
  "description": "<string>",
  "bucket_schema": {
    "properties": {}
  },
  "metadata": {},
  "object_count": 123,
  "total_size_bytes": 123
}"""
SEED_RESPONSE_REQUIRED = {"bucket_name", "bucket_schema", "object_count", "total_size_bytes"}

# DESIGN decision 26: method, path -> operationId. Only createBucket is in the seed.
OPERATIONS = {
    ("post", "/v1/buckets/create"): "createBucket",
    ("post", "/v1/buckets"): "createBucketV2",
    ("get", "/v1/buckets"): "listBucketsGet",
    ("post", "/v1/buckets/list"): "listBuckets",
    ("get", "/v1/buckets/{bucket_identifier}"): "getBucket",
    ("patch", "/v1/buckets/{bucket_identifier}"): "updateBucket",
    ("delete", "/v1/buckets/{bucket_identifier}"): "deleteBucket",
}
SEED_OPERATIONS = {"createBucket"}

# DESIGN decision 28: error `type` by status.
ERROR_TYPES = {
    400: "BadRequestError", 403: "UnauthorizedError", 404: "NotFoundError", 405: "MethodNotAllowedError",
    409: "AlreadyExistsError", 413: "PayloadTooLargeError", 415: "UnsupportedMediaTypeError",
    422: "ValidationError", 429: "TooManyRequestsError", 500: "InternalServerError",
}

# DESIGN decision 30: the SDK's BucketSchemaFieldType.
FIELD_TYPES = ["string", "number", "integer", "float", "boolean", "object", "array", "date", "datetime",
               "text", "image", "audio", "video", "pdf", "excel"]


@pytest.fixture(scope="module")
def mixpeek() -> dict:
    return yaml.safe_load(MIXPEEK_PATH.read_text())


def follow(node, root):
    """The node a (chain of) $ref points to; only the top level, so recursive schemas are fine."""
    while isinstance(node, dict) and "$ref" in node:
        target = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def schema_errors(schema, value, root):
    """Validation errors of value against a spec schema; `$ref`s resolve against the spec's components."""
    validator = OAS30Validator({**schema, "components": root["components"]})
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]


def component_schema(root, name):
    return root["components"]["schemas"][name]


def _media(node, root):
    return follow(node, root).get("content", {}).get("application/json")


def _examples(root):
    """(where, schema, value) for every example: request and response media, parameters, component schemas."""
    for path, method, op, path_params in operations(root):
        where = f"{method.upper()} {path}"
        body = op.get("requestBody")
        if body:
            media = _media(body, root)
            for name, ex in media.get("examples", {}).items():
                yield f"{where} request {name}", media["schema"], follow(ex, root)["value"]
        for status, resp in op["responses"].items():
            media = _media(resp, root)
            if media:
                for name, ex in media.get("examples", {}).items():
                    yield f"{where} {status} {name}", media["schema"], follow(ex, root)["value"]
        for param in [*path_params, *op.get("parameters", [])]:
            param = follow(param, root)
            if "example" in param:
                yield f"{where} parameter {param['name']}", param["schema"], param["example"]
    for name, schema in root["components"]["schemas"].items():
        if "example" in schema:
            yield f"schema {name}", schema, schema["example"]


# -- validity and linting ------------------------------------------------------------------------------

def test_spec_is_valid_openapi_303(mixpeek):
    assert mixpeek["openapi"] == "3.0.3"
    validate(mixpeek)


def test_no_python_import_paths():
    """DESIGN 'The shape': contracts name no code; the profile's resolver maps operationIds."""
    text = MIXPEEK_PATH.read_text()
    for banned in ("x-openapi-router-controller", "InfoFunc", "mock_server", "contract_tests"):
        assert banned not in text, banned


def test_redocly_lint_is_clean():
    env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true")
    out = subprocess.run([node_bin("redocly"), "lint", str(MIXPEEK_PATH)], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=120)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "Woohoo! Your API description is valid" in text, text
    assert not re.search(r"You have \d+ warning", text), text


def test_spectral_lint_has_no_errors_or_warnings():
    assert shutil.which("node"), "node is required for the linters"
    out = subprocess.run([node_bin("spectral"), "lint", "--fail-severity=warn", str(MIXPEEK_PATH)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


# -- operations, security, headers ----------------------------------------------------------------------

def test_operations_are_the_decided_ones_with_unique_camel_case_ids(mixpeek):
    found = {(m, p): op.get("operationId") for p, m, op, _ in operations(mixpeek)}
    assert found == OPERATIONS
    ids = list(found.values())
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-zA-Z0-9]*", i) for i in ids), ids


def test_bearer_security_applies_to_every_operation(mixpeek):
    schemes = mixpeek["components"]["securitySchemes"]
    assert list(schemes) == ["BearerAuth"]
    assert (schemes["BearerAuth"]["type"], schemes["BearerAuth"]["scheme"]) == ("http", "bearer")
    assert "sk_" in schemes["BearerAuth"]["description"]
    assert mixpeek["security"] == [{"BearerAuth": []}]
    for path, method, op, _ in operations(mixpeek):
        assert op.get("security", mixpeek["security"]) == [{"BearerAuth": []}], f"{method} {path}"


def test_every_operation_takes_the_optional_x_namespace_header(mixpeek):
    ns = deref(mixpeek["components"]["parameters"]["Namespace"], mixpeek)
    assert (ns["name"], ns["in"], ns["required"]) == ("X-Namespace", "header", False)
    assert ns["schema"] == {"type": "string", "minLength": 1}
    for path, method, op, path_params in operations(mixpeek):
        refs = [p.get("$ref") for p in [*path_params, *op.get("parameters", [])]]
        assert "#/components/parameters/Namespace" in refs, f"{method} {path}"


def _expected_statuses(path, method, op):
    expected = {"200", "403", "405", "422", "429", "500"}
    if "{bucket_identifier}" in path:
        expected.add("404")
    if op["operationId"] in ("createBucket", "createBucketV2", "updateBucket"):
        expected.add("409")
    if "requestBody" in op:
        expected |= {"413", "415"}
    if op["operationId"] == "updateBucket":
        expected.add("400")
    return expected


def test_every_operation_documents_its_error_statuses(mixpeek):
    for path, method, op, _ in operations(mixpeek):
        assert set(op["responses"]) == _expected_statuses(path, method, op), f"{method} {path}"


def test_create_is_the_seeds_operation_at_both_paths(mixpeek):
    create = mixpeek["paths"]["/v1/buckets/create"]["post"]
    twin = mixpeek["paths"]["/v1/buckets"]["post"]
    assert follow(create["responses"]["200"], mixpeek)["description"] == "Successful Response"
    assert create["requestBody"] == twin["requestBody"]
    assert create["responses"] == twin["responses"]


def test_create_links_to_get_update_and_delete(mixpeek):
    links = follow(mixpeek["paths"]["/v1/buckets/create"]["post"]["responses"]["200"], mixpeek)["links"]
    assert {link["operationId"] for link in links.values()} == {"getBucket", "updateBucket", "deleteBucket"}
    for link in links.values():
        assert link["parameters"] == {"bucket_identifier": "$response.body#/bucket_id"}


# -- examples ------------------------------------------------------------------------------------------

def test_every_response_has_an_example(mixpeek):
    for path, method, op, _ in operations(mixpeek):
        for status, resp in op["responses"].items():
            media = _media(resp, mixpeek)
            assert media and media.get("examples"), f"{method} {path} {status}"
            assert all("value" in follow(ex, mixpeek) for ex in media["examples"].values())


def test_every_example_validates_against_its_schema(mixpeek):
    checked = 0
    for where, schema, value in _examples(mixpeek):
        errors = schema_errors(schema, value, mixpeek)
        assert not errors, f"{where}: {errors[0]}"
        checked += 1
    assert checked >= 60


def test_examples_are_rejected_when_broken(mixpeek):
    """The example check can fail, down the recursive field definitions too."""
    bucket = component_schema(mixpeek, "Bucket")
    good = next(v for w, _, v in _examples(mixpeek) if w.startswith("GET /v1/buckets/{bucket_identifier} 200"))
    assert not schema_errors(bucket, good, mixpeek)
    assert schema_errors(bucket, dict(good, bucket_id="bucket-1"), mixpeek)
    assert schema_errors(bucket, dict(good, object_count="0"), mixpeek)
    deep = {"properties": {"d": {"type": "array", "items": {"type": "array", "items": {"type": "jpeg"}}}}}
    assert schema_errors(bucket, dict(good, bucket_schema=deep), mixpeek)
    error = component_schema(mixpeek, "ValidationError")
    assert schema_errors(error, {"success": False, "status": 422, "error": {"message": "m", "type": "ValidationError"}},
                         mixpeek)


def test_the_seeds_curl_body_is_a_valid_create_body(mixpeek):
    body = json.loads(SEED_CURL_BODY)
    create = component_schema(mixpeek, "CreateBucketRequest")
    assert not schema_errors(create, body, mixpeek)
    examples = _media(mixpeek["paths"]["/v1/buckets/create"]["post"]["requestBody"], mixpeek)["examples"]
    assert examples["seedExample"]["value"] == body
    documented = {k: v for k, v in body.items() if k != "schema"} | {"bucket_schema": body["schema"]}
    assert any(ex["value"] == documented for ex in examples.values()), "no example with bucket_schema"


def test_create_body_needs_a_name_and_a_schema_under_either_key(mixpeek):
    create = component_schema(mixpeek, "CreateBucketRequest")
    body = json.loads(SEED_CURL_BODY)
    without_schema = {k: v for k, v in body.items() if k != "schema"}
    assert schema_errors(create, without_schema, mixpeek)
    assert schema_errors(create, {k: v for k, v in body.items() if k != "bucket_name"}, mixpeek)
    assert schema_errors(create, dict(body, bucket_name=""), mixpeek)
    assert not schema_errors(create, dict(without_schema, bucket_schema=body["schema"]), mixpeek)
    assert not schema_errors(create, dict(body, unknown_field=1, description=None), mixpeek)
    assert schema_errors(create, dict(body, metadata=[]), mixpeek)


def test_the_seeds_response_model_is_the_bucket(mixpeek):
    bucket = component_schema(mixpeek, "Bucket")
    assert set(bucket["properties"]) == set(json.loads(SEED_RESPONSE))
    assert SEED_RESPONSE_REQUIRED <= set(bucket["required"])


# -- assumptions and errors ----------------------------------------------------------------------------

def _markers(node, where="#"):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "x-mixpeek-assumption":
                yield where, value
            yield from _markers(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _markers(value, f"{where}/{i}")


def test_every_non_seed_operation_is_marked_as_an_assumption(mixpeek):
    for path, method, op, _ in operations(mixpeek):
        if op["operationId"] in SEED_OPERATIONS:
            assert "x-mixpeek-assumption" not in op, f"{method} {path} is documented"
        else:
            assert "x-mixpeek-assumption" in op, f"{method} {path}"


def test_assumptions_carry_a_reason(mixpeek):
    markers = list(_markers(mixpeek))
    assert len(markers) >= 25
    for where, reason in markers:
        assert isinstance(reason, str) and len(reason.strip()) > 10, where
    assert not re.search(r"x-dakkio-", MIXPEEK_PATH.read_text())


def test_every_error_response_is_assumed_and_typed_by_its_status(mixpeek):
    for path, method, op, _ in operations(mixpeek):
        for status, resp in op["responses"].items():
            code = int(status)
            if code < 400:
                continue
            resp = follow(resp, mixpeek)
            where = f"{method} {path} {status}"
            assert resp.get("x-mixpeek-assumption"), where
            assert resp["x-mixpeek-error-type"] == ERROR_TYPES[code], where
            for name, ex in _media(resp, mixpeek)["examples"].items():
                value = ex["value"]
                assert value["success"] is False and value["status"] == code, f"{where} {name}"
                assert value["error"]["type"] == ERROR_TYPES[code], f"{where} {name}"
                if code == 422:
                    assert all(e["loc"][0] in ("body", "query", "header", "path")
                               for e in value["error"]["details"]["errors"]), f"{where} {name}"
            assert "Allow" in resp.get("headers", {}) or code != 405, where


def test_error_envelope_schema(mixpeek):
    error = component_schema(mixpeek, "Error")
    assert error["required"] == ["success", "status", "error"]
    assert error["properties"]["error"]["required"] == ["message", "type"]
    item = component_schema(mixpeek, "ValidationError")["properties"]["error"]["properties"]["details"]
    assert item["properties"]["errors"]["items"]["required"] == ["loc", "msg", "type"]


# -- shapes from DESIGN decisions 26-31 ----------------------------------------------------------------

def test_paging_limits(mixpeek):
    params = mixpeek["components"]["parameters"]
    body = component_schema(mixpeek, "ListBucketsRequest")["properties"]
    for limit in (deref(params["Limit"], mixpeek)["schema"], body["limit"]):
        assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == ("integer", 1, 1000, 10)
    for offset in (deref(params["Offset"], mixpeek)["schema"], body["offset"]):
        assert (offset["type"], offset["minimum"], offset["default"]) == ("integer", 0, 0)
    for path, method in (("/v1/buckets", "get"), ("/v1/buckets/list", "post")):
        refs = [p["$ref"] for p in mixpeek["paths"][path][method]["parameters"]]
        assert {"#/components/parameters/Limit", "#/components/parameters/Offset"} <= set(refs)
    assert mixpeek["paths"]["/v1/buckets/list"]["post"]["requestBody"]["required"] is False


def test_list_response_shape(mixpeek):
    listing = component_schema(mixpeek, "BucketListResponse")
    assert listing["required"] == ["results", "total_count", "pagination"]
    pagination = component_schema(mixpeek, "Pagination")
    assert pagination["required"] == ["total", "page", "page_size", "total_pages", "next_page", "previous_page"]
    page_number = component_schema(mixpeek, "PageNumber")
    assert (page_number["type"], page_number["nullable"]) == ("string", True)
    assert not schema_errors(page_number, None, mixpeek)
    assert schema_errors(page_number, 2, mixpeek) and schema_errors(page_number, "0", mixpeek)
    for path, method in (("/v1/buckets", "get"), ("/v1/buckets/list", "post")):
        resp = follow(mixpeek["paths"][path][method]["responses"]["200"], mixpeek)
        assert resp["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BucketListResponse"}


def test_delete_response_shape(mixpeek):
    deleted = component_schema(mixpeek, "DeleteBucketResponse")
    assert deleted["required"] == ["task_id", "status", "bucket_id", "bucket_name", "object_count"]
    assert deleted["properties"]["status"]["enum"] == ["PENDING"]


def test_bucket_id_and_bucket_shape(mixpeek):
    assert component_schema(mixpeek, "BucketId")["pattern"] == "^bkt_[0-9a-f]{12}$"
    bucket = component_schema(mixpeek, "Bucket")
    assert set(bucket["required"]) == set(bucket["properties"])
    assert bucket["properties"]["description"]["nullable"] is True


def test_bucket_schema_field_is_recursive_with_the_sdk_types(mixpeek):
    assert component_schema(mixpeek, "BucketSchemaFieldType")["enum"] == FIELD_TYPES
    field = component_schema(mixpeek, "BucketSchemaField")
    me = {"$ref": "#/components/schemas/BucketSchemaField"}
    assert field["required"] == ["type"]
    assert field["properties"]["items"] == me
    assert field["properties"]["properties"]["additionalProperties"] == me
    assert {"description", "enum", "required", "default", "examples"} <= set(field["properties"])
    schema = component_schema(mixpeek, "BucketSchema")
    assert schema["required"] == ["properties"]
    assert schema["properties"]["properties"]["additionalProperties"] == me


def test_create_body_shape_and_alias(mixpeek):
    create = component_schema(mixpeek, "CreateBucketRequest")
    assert create["required"] == ["bucket_name"]
    assert create["anyOf"] == [{"required": ["bucket_schema"]}, {"required": ["schema"]}]
    alias = create["properties"]["schema"]
    assert alias["x-mixpeek-alias-of"] == "bucket_schema" and alias["x-mixpeek-assumption"]
    assert create["properties"]["bucket_schema"] == {"$ref": "#/components/schemas/BucketSchema"}


def test_update_body_has_only_the_mutable_fields(mixpeek):
    update = component_schema(mixpeek, "UpdateBucketRequest")
    assert set(update["properties"]) == {"bucket_name", "description", "metadata"}
    assert "required" not in update
    assert not schema_errors(update, {}, mixpeek)


def test_request_bodies_stay_open():
    """Unknown body fields are ignored (DESIGN decision 30), so no additionalProperties: false."""
    assert "additionalProperties: false" not in MIXPEEK_PATH.read_text()
