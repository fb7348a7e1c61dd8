"""Mixpeek buckets, the rule *values*: every documented field of every 2xx response of every operation
is compared by value with what the test sent, created or computed (``contract_tests.values``).

Each test works in a namespace of its own (``fresh_ns``), so counts and pages are exact; every bucket
is created here, its generated id checked for its documented shape on first appearance and compared
literally everywhere it is echoed afterwards (get, list, update, delete).
"""

from __future__ import annotations

import math

import pytest

from contract_tests import values

from .contract import case, operations, param, spec

D26, D29, D30, D31 = "decision 26", "decision 29", "decision 30", "decision 31"


def _pattern(name: str) -> str:
    return spec()["components"]["schemas"][name]["pattern"]


def _min_length_pattern(schema: dict) -> str:
    """A string of the documented minimum length (the only shape a task id is documented with)."""
    return f"(?s).{{{schema.get('minLength', 0)},}}"


BUCKET_ID = _pattern("BucketId")                     # ^bkt_[0-9a-f]{12}$ (decision 31)
TASK_ID = _min_length_pattern(spec()["components"]["schemas"]["DeleteBucketResponse"]["properties"]["task_id"])


def _path(op: str) -> str:
    return operations()[op]["path"]


def _expected(bucket_id, body: dict) -> dict:
    """The bucket ``body`` (a create body) must give: echoes of what was sent, the defaults of
    decision 31 for what was not (description null, metadata {}), and no objects yet (counts 0)."""
    schema = body["bucket_schema"] if "bucket_schema" in body else body["schema"]   # bucket_schema wins (d. 30)
    return {"bucket_id": bucket_id, "bucket_name": body["bucket_name"], "description": body.get("description"),
            "bucket_schema": values.Exactly(schema), "metadata": values.Exactly(body.get("metadata", {})),
            "object_count": 0, "total_size_bytes": 0}


def _create(mixpeek, body: dict, op: str = "createBucketV2") -> dict:
    """Create a bucket, compare its every field (its id by shape, on its first appearance); the
    expectation of that bucket from now on (its id literal)."""
    made = values.expect(op, 200, mixpeek.post(_path(op), body), _expected(values.Generated(BUCKET_ID), body))
    return _expected(made["bucket_id"], body)


def _pagination(total: int, limit: int, offset: int) -> dict:
    """The spec's arithmetic (Pagination, decision 26): pages count from 1."""
    page = offset // limit + 1
    pages = math.ceil(total / limit)
    return {"total": total, "page": page, "page_size": limit, "total_pages": pages,
            "next_page": str(page + 1) if page < pages else None,
            "previous_page": str(page - 1) if page > 1 else None}


def _page(made: list[dict], limit: int, offset: int) -> dict:
    return {"results": made[offset:offset + limit], "total_count": len(made),
            "pagination": _pagination(len(made), limit, offset)}


SEED = {"user_picture": {"type": "image"}, "documents": {"items": {"type": "pdf"}, "type": "array"}}
FIELD_OPTIONS = {   # every key of a field definition (the spec's fieldOptions example)
    "subject": {"type": "string", "required": True, "description": "Ticket subject", "examples": ["Login fails"]},
    "priority": {"type": "string", "enum": ["low", "normal", "high"], "default": "normal"},
    "attachments": {"type": "array", "items": {"type": "image", "required": False}, "description": "Screenshots"}}


# ------------------------------------------------------------------ create (both paths)

@pytest.mark.parametrize("op", [
    param("createBucket", op="createBucket", decision=D31, id="createBucket",
          title="values: the body's fields echoed, defaults for the rest, counts 0, a bkt_ id"),
    param("createBucketV2", op="createBucketV2", decision=D31, id="createBucketV2",
          title="values: the body's fields echoed, defaults for the rest, counts 0, a bkt_ id")])
def test_create_values(mixpeek, fresh_ns, op):
    bodies = [
        # the documented body (bucket_schema); counts the client sends are not the bucket's (no objects yet)
        {"bucket_name": "user_profiles", "description": "Bucket for storing user profile information",
         "metadata": {"created_by": "admin", "department": "HR"}, "bucket_schema": {"properties": SEED},
         "object_count": 7, "total_size_bytes": 1024},
        # the seed's own curl body: the schema under its alias `schema` (decision 30)
        {"bucket_name": "seed_curl", "description": "Bucket for storing user profile information",
         "metadata": {"created_by": "admin", "department": "HR"}, "schema": {"properties": SEED}},
        # both keys: bucket_schema wins (decision 30)
        {"bucket_name": "both", "bucket_schema": {"properties": {"a": {"type": "text"}}},
         "schema": {"properties": {"z": {"type": "pdf"}}}, "metadata": {"n": [1, 2.5, None, True, {"x": "y"}]}},
        # nothing optional: description null, metadata {} (decision 31)
        {"bucket_name": "plain", "bucket_schema": {"properties": {}}},
        # description sent as null, every key of a field definition, an empty-string description elsewhere
        {"bucket_name": "support_tickets", "description": None, "bucket_schema": {"properties": FIELD_OPTIONS}},
        {"bucket_name": "blank", "description": "", "bucket_schema": {"properties": {"d": {"type": "date"}}},
         "metadata": {"k": ""}},
    ]
    made = [_create(mixpeek, body, op) for body in bodies]
    ids = [m["bucket_id"] for m in made]
    assert len(set(ids)) == len(ids), f"ids must be distinct: {ids}"
    for expected in made:                                     # the id, echoed: by value from now on
        values.expect("getBucket", 200, mixpeek.get(f"/v1/buckets/{expected['bucket_id']}"), expected)


# ------------------------------------------------------------------ get

@case("getBucket", "values: the stored bucket by id and by name, every field as created", decision=D26)
def test_get_values(mixpeek, fresh_ns):
    full = _create(mixpeek, {"bucket_name": "photos", "description": "d",
                             "bucket_schema": {"properties": {"p": {"type": "image"}, **FIELD_OPTIONS}},
                             "metadata": {"k": [1, "v"], "nested": {"a": {"b": None}}}})
    plain = _create(mixpeek, {"bucket_name": "plain", "schema": {"properties": {"v": {"type": "video"}}}})
    for expected in (full, plain):
        for ident in (expected["bucket_id"], expected["bucket_name"]):
            values.expect("getBucket", 200, mixpeek.get(f"/v1/buckets/{ident}"), expected)


# ------------------------------------------------------------------ list (query and body)

TYPES = ["string", "number", "integer", "float", "boolean", "object", "array", "date", "datetime", "text",
         "image", "audio", "video", "pdf", "excel"]
LIST_OPS = [param("get", op="listBucketsGet", decision=D26, id="listBucketsGet",
                  title="values: results, total_count and pagination computed from the namespace's buckets"),
            param("post", op="listBuckets", decision=D26, id="listBuckets",
                  title="values: results, total_count and pagination computed from the namespace's buckets")]


@pytest.mark.parametrize("how", LIST_OPS)
def test_list_values(mixpeek, fresh_ns, how):
    op = "listBucketsGet" if how == "get" else "listBuckets"

    def listed(limit=None, offset=None, *, in_query=False):
        paging = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
        if how == "get":
            return mixpeek.get("/v1/buckets", params=paging)
        if in_query:
            return mixpeek.post("/v1/buckets/list", params=paging)
        return mixpeek.post("/v1/buckets/list", paging)

    values.expect(op, 200, listed(), _page([], 10, 0))               # a fresh namespace: nothing, page 1 of 0

    bodies = []
    for i in range(7):                                                # oldest first; some with defaults
        body = {"bucket_name": f"v{i}", "bucket_schema": {"properties": {f"f{i}": {"type": TYPES[i]}}}}
        if i % 2 == 0:
            body["description"] = f"bucket {i}"
        if i != 3:
            body["metadata"] = {"i": i, "even": i % 2 == 0, "tags": [f"t{i}"]}
        bodies.append(body)
    made = [_create(mixpeek, body, "createBucket" if i % 2 else "createBucketV2") for i, body in enumerate(bodies)]

    for limit, offset in [(3, 0), (3, 3), (3, 6),       # first, middle and last page (the last one short)
                          (3, 4),                       # an offset between pages: page offset // limit + 1
                          (3, 9), (7, 7),               # beyond the end: no results, no next page
                          (7, 0), (1, 6), (1000, 0)]:   # one exact page, the last of 7, the maximum page size
        values.expect(op, 200, listed(limit, offset), _page(made, limit, offset))
    values.expect(op, 200, listed(), _page(made, 10, 0))             # defaults: limit 10, offset 0
    values.expect(op, 200, listed(2), _page(made, 2, 0))
    values.expect(op, 200, listed(offset=5), _page(made, 10, 5))
    if how == "post":                                                 # paging in the query string too
        values.expect(op, 200, listed(2, 2, in_query=True), _page(made, 2, 2))


# ------------------------------------------------------------------ update

@case("updateBucket", "values: the patched fields as sent, the others as they were, the id and schema unchanged",
      decision=D26)
def test_update_values(mixpeek, fresh_ns):
    state = _create(mixpeek, {"bucket_name": "upd", "description": "before",
                              "bucket_schema": {"properties": SEED}, "metadata": {"v": 1, "nested": {"a": [1, 2]}}})
    bid = state["bucket_id"]

    def patched(ident, body, **changes):
        state.update({k: values.Exactly(v) if k == "metadata" else v for k, v in changes.items()})
        values.expect("updateBucket", 200, mixpeek.patch(f"/v1/buckets/{ident}", body), state)
        values.expect("getBucket", 200, mixpeek.get(f"/v1/buckets/{bid}"), state)       # stored as returned

    patched(bid, {"bucket_name": "renamed"}, bucket_name="renamed")
    patched("renamed", {"description": "after", "metadata": {"v": 2}}, description="after", metadata={"v": 2})
    patched(bid, {"bucket_name": None, "description": None, "metadata": None})           # null: unchanged
    patched("renamed", {})                                                                # nothing sent: unchanged
    patched(bid, {"description": "", "unknown": 1}, description="")                       # unknown fields ignored
    patched(bid, {"metadata": {"a": {"b": [1, None]}, "c": "d"}, "bucket_name": "renamed"},
            metadata={"a": {"b": [1, None]}, "c": "d"})                                  # metadata replaced whole
    patched("renamed", {"metadata": {}, "bucket_name": "again", "description": "last"},
            metadata={}, bucket_name="again", description="last")

    plain = _create(mixpeek, {"bucket_name": "plain", "bucket_schema": {"properties": {}}})   # defaults kept
    values.expect("updateBucket", 200, mixpeek.patch("/v1/buckets/plain", {"metadata": {"k": "v"}}),
                  {**plain, "metadata": values.Exactly({"k": "v"})})


# ------------------------------------------------------------------ delete

@case("deleteBucket", "values: a PENDING task naming the deleted bucket's id, name and object count", decision=D26)
def test_delete_values(mixpeek, fresh_ns):
    a = _create(mixpeek, {"bucket_name": "a", "description": "x", "bucket_schema": {"properties": SEED},
                          "metadata": {"m": 1}})
    b = _create(mixpeek, {"bucket_name": "b", "bucket_schema": {"properties": {}}})
    c = _create(mixpeek, {"bucket_name": "c", "bucket_schema": {"properties": {"f": {"type": "audio"}}}})
    keep = _create(mixpeek, {"bucket_name": "keep", "bucket_schema": {"properties": {}}, "metadata": {"k": True}})
    values.expect("updateBucket", 200, mixpeek.patch(f"/v1/buckets/{c['bucket_id']}", {"bucket_name": "c2"}),
                  {**c, "bucket_name": "c2"})

    for ident, bucket, name in ((a["bucket_id"], a, "a"), ("b", b, "b"), ("c2", c, "c2")):   # by id, by name, renamed
        values.expect("deleteBucket", 200, mixpeek.delete(f"/v1/buckets/{ident}"),
                      {"task_id": values.Generated(TASK_ID), "status": "PENDING", "bucket_id": bucket["bucket_id"],
                       "bucket_name": name, "object_count": 0})
        assert mixpeek.get(f"/v1/buckets/{bucket['bucket_id']}").status_code == 404, "deleted at once"
    values.expect("listBucketsGet", 200, mixpeek.get("/v1/buckets"), _page([keep], 10, 0))
