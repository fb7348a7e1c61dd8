"""The contract itself: valid, lint-clean, self-consistent, and true to the docs (issue: the contract)."""

import os
import re
import shutil
import subprocess

from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from .conftest import ROOT, SPEC_PATH, node_bin, operations

# dakkio-docs.md section 1, rows 1-16: method, path, allowed key types.
DOCUMENTED = {
    ("get", "/api/buckets"): {"admin"},
    ("post", "/api/buckets"): {"admin"},
    ("get", "/api/buckets/{id}"): {"admin"},
    ("delete", "/api/buckets/{id}"): {"admin"},
    ("get", "/api/buckets/{bucketId}/keys"): {"admin"},
    ("post", "/api/buckets/{bucketId}/keys"): {"admin"},
    ("delete", "/api/buckets/{bucketId}/keys/{keyId}"): {"admin"},
    ("get", "/api/buckets/{bucketId}/sources"): {"admin", "write", "read"},
    ("post", "/api/buckets/{bucketId}/sources"): {"admin", "write"},
    ("post", "/api/data"): {"admin", "write"},
    ("post", "/api/data/batch"): {"admin", "write"},
    ("post", "/api/data/query"): {"admin", "write", "read"},
    ("post", "/api/alerts"): {"admin", "write"},
    ("get", "/api/buckets/{bucketId}/alerts"): {"admin", "write", "read"},
    ("get", "/api/analytics/buckets/{bucketId}"): {"admin", "write", "read"},
    ("get", "/api/analytics/overview"): {"admin"},
}

# dakkio-docs.md section 3.3: every documented error message.
DOCUMENTED_MESSAGES = [
    "Invalid request parameters", "Bucket name must be 100 characters or less", "Invalid bucket ID format",
    "Invalid or missing API key", "Only Admin keys can create buckets", "Only Admin keys can access bucket details",
    "Only Admin keys can list buckets", "Only Admin keys can delete buckets", "Only Admin keys can list API keys",
    "Only Admin keys can delete API keys", "Only Admin keys can access organization analytics",
    "API key does not have access to this bucket", "Bucket not found", "API key not found",
    "A bucket with this name already exists", "Rate limit exceeded. Resets at 2024-01-15T10:30:00Z",
    # zod detail messages shown by the docs
    "String must contain at least 1 character(s)", "Expected string, received undefined",
]


def test_spec_is_valid_openapi_303(spec):
    assert spec["openapi"] == "3.0.3"
    validate(spec)


def test_redocly_lint_is_clean():
    env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true")
    out = subprocess.run([node_bin("redocly"), "lint", str(SPEC_PATH)], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=120)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "Woohoo! Your API description is valid" in text, text


def test_spectral_lint_has_no_errors_or_warnings():
    assert shutil.which("node"), "node is required for the linters"
    out = subprocess.run([node_bin("spectral"), "lint", "--fail-severity=warn", str(SPEC_PATH)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_all_sixteen_documented_operations_exist_with_key_types(spec):
    found = {(m, p): set(op["x-dakkio-key-types"]) for p, m, op, _ in operations(spec)}
    assert found == DOCUMENTED


def test_key_type_message_present_and_admin_only_ones_say_so(spec):
    for _, _, op, _ in operations(spec):
        msg = op["x-dakkio-key-type-message"]
        if op["x-dakkio-key-types"] == ["admin"]:
            assert msg.startswith("Only Admin keys can"), msg
        else:
            assert msg == "API key does not have permission for this operation"


def _examples(resolved):
    """(where, schema, value) for every example in the spec, request and response alike."""
    for path, method, op, _ in operations(resolved):
        where = f"{method.upper()} {path}"
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            for name, ex in body.get("examples", {}).items():
                yield f"{where} request {name}", body["schema"], ex["value"]
        for status, resp in op["responses"].items():
            media = resp.get("content", {}).get("application/json")
            if media:
                for name, ex in media.get("examples", {}).items():
                    yield f"{where} {status} {name}", media["schema"], ex["value"]


def test_every_example_validates_against_its_schema(resolved):
    checked = 0
    for where, schema, value in _examples(resolved):
        errors = list(OAS30Validator(schema).iter_errors(value))
        assert not errors, f"{where}: {errors[0].message}"
        checked += 1
    assert checked >= 60


def test_examples_are_rejected_when_broken(resolved):
    """The example check can fail: a mangled example must not validate."""
    where, schema, value = next(e for e in _examples(resolved) if e[0].startswith("GET /api/buckets/{id} 200"))
    broken = {"bucket": dict(value["bucket"], stats={"dataSourceCount": "three"})}
    assert list(OAS30Validator(schema).iter_errors(broken)), where


def test_every_operation_documents_401_429_500_and_405(spec):
    for path, method, op, _ in operations(spec):
        for status in ("401", "405", "429", "500"):
            assert status in op["responses"], f"{method} {path} lacks {status}"


def _takes_id(op, path_params, resolved_op):
    if path_params or any(p.get("in") == "path" for p in op.get("parameters", [])):
        return True
    schema = resolved_op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    props = dict(schema.get("properties", {}))
    for sub in schema.get("allOf", []):
        props.update(sub.get("properties", {}))
    return "bucketId" in props


def test_operations_taking_an_id_document_400_and_404(spec, resolved):
    count = 0
    for (path, method, op, params), (_, _, rop, _) in zip(operations(spec), operations(resolved), strict=True):
        if _takes_id(op, params, rop):
            count += 1
            assert "400" in op["responses"] and "404" in op["responses"], f"{method} {path}"
    assert count == 13


def test_body_operations_document_413_and_415(spec):
    for path, method, op, _ in operations(spec):
        if "requestBody" in op:
            assert {"413", "415"} <= set(op["responses"]), f"{method} {path}"


def test_every_documented_error_message_appears_in_an_example(resolved):
    messages = set()
    for _, _, value in _examples(resolved):
        if isinstance(value, dict) and "error" in value:
            messages.add(value["message"])
            messages.update(d["message"] for d in value.get("details", []))
    missing = [m for m in DOCUMENTED_MESSAGES if m not in messages]
    assert not missing


def test_rate_limit_headers_on_every_response(resolved):
    for path, method, op, _ in operations(resolved):
        for status, resp in op["responses"].items():
            headers = resp.get("headers", {})
            for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
                assert h in headers and headers[h]["required"], f"{method} {path} {status} lacks {h}"
        assert "Retry-After" in op["responses"]["429"]["headers"]
        assert "Allow" in op["responses"]["405"]["headers"]


def test_single_api_key_security_scheme(spec):
    schemes = spec["components"]["securitySchemes"]
    assert list(schemes) == ["ApiKeyAuth"]
    assert schemes["ApiKeyAuth"]["in"] == "header" and schemes["ApiKeyAuth"]["name"] == "X-API-Key"
    assert spec["security"] == [{"ApiKeyAuth": []}]


def test_documented_limits(resolved):
    s = resolved["components"]["schemas"]
    name = s["CreateBucketRequest"]["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (1, 100)
    assert s["BatchIngestRequest"]["properties"]["dataPoints"]["maxItems"] == 1000
    limit = resolved["components"]["parameters"]["Limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 1000, 100)
    assert s["ObjectId"]["pattern"] == "^[0-9a-fA-F]{24}$"
    period = resolved["paths"]["/api/analytics/buckets/{bucketId}"]["get"]["parameters"][0]["schema"]
    assert period["enum"] == ["24h", "7d", "30d", "90d"] and period["default"] == "7d"
    assert s["CreateAlertRuleRequest"]["properties"]["cooldownMinutes"]["default"] == 5


def test_request_bodies_stay_open(resolved):
    """DESIGN decision 12: unknown body fields are accepted, so no additionalProperties: false."""
    text = SPEC_PATH.read_text()
    assert "additionalProperties: false" not in text


def test_links_chain_every_create_to_its_reads(spec):
    ids = {op["operationId"] for _, _, op, _ in operations(spec)}
    links = {}
    for _, _, op, _ in operations(spec):
        for resp in op["responses"].values():
            for link in resp.get("links", {}).values():
                assert link["operationId"] in ids
                links.setdefault(op["operationId"], set()).add(link["operationId"])
    assert {"getBucket", "deleteBucket", "listApiKeys", "createApiKey", "listDataSources", "createDataSource",
            "listAlertRules", "getBucketAnalytics", "queryData"} <= links["createBucket"]
    assert "deleteApiKey" in links["createApiKey"]
    assert {"ingestData", "batchIngestData", "queryData", "createAlertRule"} <= links["createDataSource"]


def test_assumptions_carry_a_reason(spec):
    text = SPEC_PATH.read_text()
    reasons = re.findall(r"x-dakkio-assumption:\s*(.*)", text)
    assert len(reasons) >= 10
    for reason in reasons:
        assert len(reason.strip()) > 10 and reason.strip() not in ("true", "false")


def test_the_contract_names_no_code():
    text = SPEC_PATH.read_text()
    for needle in ("x-openapi-router-controller", "InfoFunc", "mock_server", "contract_tests"):
        assert needle not in text, needle
