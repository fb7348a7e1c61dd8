"""What the suite reads from the contract: operations, their key types, messages, assumptions."""

from __future__ import annotations

import functools

import pytest
import yaml

from contract_tests.packs import decorator
from contract_tests.specs import spec_file

SPEC_PATH = spec_file("dakkio.yaml")
NO_PERMISSION = "API key does not have permission for this operation"
NO_ACCESS = "API key does not have access to this bucket"
UNAUTHORIZED = "Invalid or missing API key"
SOURCES = {
    "listBuckets": "/api-reference/buckets/list", "createBucket": "/api-reference/buckets/create",
    "getBucket": "/api-reference/buckets/get", "deleteBucket": "/api-reference/buckets/delete",
    "listApiKeys": "/api-reference/keys/list", "createApiKey": "/api-reference/keys/create",
    "deleteApiKey": "/api-reference/keys/delete", "listDataSources": "/api-reference/datasources/list",
    "createDataSource": "/api-reference/datasources/create", "ingestData": "/api-reference/data/ingest",
    "batchIngestData": "/api-reference/data/batch", "queryData": "/api-reference/data/query",
    "createAlertRule": "/api-reference/alerts/create", "listAlertRules": "/api-reference/alerts/list",
    "getBucketAnalytics": "/api-reference/analytics/bucket", "getAnalyticsOverview": "/api-reference/analytics/overview",
}


@functools.lru_cache(maxsize=1)
def spec() -> dict:
    return yaml.load(SPEC_PATH.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe


@functools.lru_cache(maxsize=1)
def operations() -> dict:
    out = {}
    for path, item in spec()["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "delete", "put", "patch"):
                out[op["operationId"]] = {"method": method.upper(), "path": path, **op}
    return out


def key_types(op_id: str) -> list:
    return operations()[op_id]["x-dakkio-key-types"]


def key_type_message(op_id: str) -> str:
    return operations()[op_id]["x-dakkio-key-type-message"]


def resource(op_id: str) -> str:
    return operations()[op_id]["tags"][0]


def case_marks(op: str, title: str, *, decision: str | None = None, safe: bool = False,
               mock_only: bool = False) -> list:
    """Marks of a test checking one documented case of ``op`` (or, with ``decision``, a DESIGN.md assumption).

    ``safe``: sends only reads (kept by ``--read-only``). ``mock_only``: needs the mock's controls.
    """
    marks = [pytest.mark.contract(op=op, title=title, source=SOURCES.get(op, op), decision=decision),
             pytest.mark.assumption if decision else pytest.mark.documented,
             getattr(pytest.mark, resource(op) if op in operations() else "cross_cutting")]
    if safe:
        marks.append(pytest.mark.safe)
    if mock_only:
        marks.append(pytest.mark.mock_only)
    return marks


case = decorator(case_marks)
