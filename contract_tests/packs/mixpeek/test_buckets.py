"""Mixpeek buckets (seed 004 and DESIGN decisions 26-31), over HTTP against any deployment.

Every response field is asserted by value against what the test created; every error in the
envelope of decision 28 with the type its status declares; every 422 names the place.
"""

from __future__ import annotations

import copy
import json
import secrets

import pytest

from . import checks
from .client import ABSENT
from .conftest import SEED_BODY
from .contract import allowed_methods, case, param

D26, D27, D28, D29, D30, D31 = (f"decision {n}" for n in range(26, 32))
CREATES = [("createBucket", "/v1/buckets/create"), ("createBucketV2", "/v1/buckets")]
TYPES = ["string", "number", "integer", "float", "boolean", "object", "array", "date", "datetime", "text",
         "image", "audio", "video", "pdf", "excel"]
EMPTY = {"properties": {}}


def _creates(title, decision_v1=None, decision_v2=D26):
    """One case per create path (the seed's and the current one)."""
    return [param(path, op=op, title=title, id=op, decision=decision_v1 if op == "createBucket" else decision_v2)
            for op, path in CREATES]


# ------------------------------------------------------------------ create

@pytest.mark.parametrize("path", _creates("200 the documented body (bucket_schema) comes back as sent"))
def test_create_documented_body(mixpeek, fresh_ns, path):
    body = {**SEED_BODY, "bucket_schema": SEED_BODY["schema"]}
    del body["schema"]
    b = checks.ok(mixpeek.post(path, body))
    for field in ("bucket_name", "description", "bucket_schema", "metadata"):
        checks.exactly(b.get(field), body[field], field)
    checks.exactly((b.get("object_count"), b.get("total_size_bytes")), (0, 0), "object_count, total_size_bytes")


@pytest.mark.parametrize("path", _creates("200 the seed's own curl body (schema alias) creates the bucket exactly",
                                          decision_v1=D30))
def test_create_with_the_seeds_curl_body(mixpeek, fresh_ns, path):
    b = checks.ok(mixpeek.post(path, SEED_BODY))
    bid = checks.bucket(b, name="user_profiles", schema=SEED_BODY["schema"], description=SEED_BODY["description"],
                        metadata=SEED_BODY["metadata"])
    checks.exactly(checks.ok(mixpeek.get(f"/v1/buckets/{bid}")), b, "get by id")
    checks.exactly(checks.ok(mixpeek.get("/v1/buckets/user_profiles")), b, "get by name")


@pytest.mark.parametrize("path", _creates("defaults: description null, metadata {}, counts 0, bkt_ + 12 hex id",
                                          decision_v1=D31, decision_v2=D31))
def test_create_defaults(mixpeek, fresh_ns, path):
    b = checks.ok(mixpeek.post(path, {"bucket_name": "plain", "bucket_schema": EMPTY}))
    checks.bucket(b, name="plain", schema=EMPTY, description=None, metadata={})
    b = checks.ok(mixpeek.post(path, {"bucket_name": "nulled", "bucket_schema": EMPTY, "description": None}))
    checks.bucket(b, name="nulled", schema=EMPTY, description=None, metadata={})
    ids = {checks.ok(mixpeek.post(path, {"bucket_name": f"n{i}", "schema": EMPTY}))["bucket_id"] for i in range(3)}
    assert len(ids) == 3, f"ids must be distinct: {ids}"


@case("createBucketV2", "bucket_schema wins over the schema alias; unknown fields are ignored", decision=D30)
def test_bucket_schema_wins_and_unknown_fields_are_ignored(mixpeek, fresh_ns):
    schema, alias = {"properties": {"a": {"type": "text"}}}, {"properties": {"z": {"type": "pdf"}}}
    for path in ("/v1/buckets", "/v1/buckets/create"):
        name = path.rsplit("/", 1)[-1]
        b = checks.ok(mixpeek.post(path, {"bucket_name": name, "bucket_schema": schema, "schema": alias,
                                          "unknown_field": 1, "object_count": 7}))
        checks.bucket(b, name=name, schema=schema)


@case("createBucketV2", "every field type of the SDK's enum is accepted, at every level", decision=D30)
def test_every_field_type_is_accepted(mixpeek, fresh_ns):
    fields = {t: {"type": t} for t in TYPES}
    fields["list"] = {"type": "array", "items": {"type": "object", "properties": {t: {"type": t} for t in TYPES}}}
    fields["nested"] = {"type": "object", "properties": {t: {"type": "array", "items": {"type": t}} for t in TYPES}}
    fields["full"] = {"type": "string", "description": "d", "enum": ["a", "b"], "required": True, "default": "a",
                      "examples": ["a"]}
    fields["nulls"] = {"type": "integer", "description": None, "enum": None, "required": None, "examples": None}
    schema = {"properties": fields}
    b = checks.ok(mixpeek.post("/v1/buckets", {"bucket_name": "all", "bucket_schema": schema}))
    checks.bucket(b, name="all", schema=schema)


@pytest.mark.parametrize("path", _creates("409 a name taken in the namespace, case-sensitive", decision_v1=D29,
                                          decision_v2=D29))
def test_duplicate_names_are_409_and_case_sensitive(mixpeek, fresh_ns, create, path):
    create("Photos")
    checks.error(mixpeek.post(path, {"bucket_name": "Photos", "bucket_schema": EMPTY}), 409)
    checks.error(mixpeek.post(path, {"bucket_name": "Photos", "schema": {"properties": {"x": {"type": "text"}}}}), 409)
    for other in ("photos", "PHOTOS", "Photos ", " Photos"):
        checks.bucket(checks.ok(mixpeek.post(path, {"bucket_name": other, "bucket_schema": EMPTY})), name=other,
                      schema=EMPTY)
    assert checks.ok(mixpeek.get("/v1/buckets"))["total_count"] == 5


# ------------------------------------------------------------------ 422: every body field, wrong kinds, the place named

def _at(body, path, value):
    body = copy.deepcopy(body)
    node = body
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return body


F = ("bucket_schema", "properties", "f")
BASE = {"bucket_name": "x", "bucket_schema": {"properties": {"f": {"type": "array", "items": {"type": "text"},
                                                                  "properties": {"g": {"type": "text"}}}}},
        "schema": {"properties": {"f": {"type": "text"}}}, "description": "d", "metadata": {}}
# field path -> wrong values (an array for an object, an object for a string, a number as a string, null where
# not nullable; numbers and strings where neither fits)
CONFUSION = {
    ("bucket_name",): [[], {}, 5, None],
    ("bucket_schema",): [[], "x", 5, None],
    ("bucket_schema", "properties"): [[], "x", 5, None],
    F: [[], "x", 5, None],
    (*F, "type"): [[], {}, 5, None, "keyword", "Text"],
    (*F, "items"): [[], "x", 5, None],
    (*F, "items", "type"): [[], {}, 5, None, "nope"],
    (*F, "properties"): [[], "x", 5, None],
    (*F, "properties", "g"): [[], "x", 5, None],
    (*F, "properties", "g", "type"): [[], {}, 5, None, "nope"],
    (*F, "description"): [[], {}, 5],
    (*F, "enum"): [{}, "x", 5],
    (*F, "required"): [[], {}, "true", 5],
    (*F, "examples"): [{}, "x", 5],
    ("schema",): [[], "x", 5, None],
    ("schema", "properties"): [[], "x", None],
    ("schema", "properties", "f", "type"): [[], 5, None, "nope"],
    ("description",): [[], {}, 5, True],
    ("metadata",): [[], "x", 5, None],
}
CONFUSION_CASES = [param(path, field, value, op="createBucketV2", decision=D30,
                         title=f"422 naming body.{'.'.join(field)} for a wrong kind",
                         id=f"{path.rsplit('/', 1)[-1]}-{'.'.join(field)}={value!r}")
                   for field, values in CONFUSION.items() for value in values
                   for path in ("/v1/buckets",) + (("/v1/buckets/create",) if value in ([], None) else ())]


@pytest.mark.parametrize("path,field,value", CONFUSION_CASES)
def test_create_field_of_the_wrong_kind_is_422_naming_it(mixpeek, path, field, value):
    checks.rejected_at(mixpeek.post(path, _at(BASE, field, value)), "body", *field)


@pytest.mark.parametrize("body,loc", [
    param({"bucket_schema": EMPTY}, ["body", "bucket_name"], op="createBucketV2", decision=D30,
          title="422 bucket_name missing", id="no-name"),
    param({"bucket_name": "", "bucket_schema": EMPTY}, ["body", "bucket_name"], op="createBucketV2", decision=D30,
          title="422 bucket_name empty", id="empty-name"),
    param({"bucket_name": "x"}, ["body", "bucket_schema"], op="createBucketV2", decision=D30,
          title="422 neither bucket_schema nor schema", id="no-schema"),
    param({"bucket_name": "x", "bucket_schema": {}}, ["body", "bucket_schema", "properties"], op="createBucketV2",
          decision=D30, title="422 bucket_schema without properties", id="no-properties"),
    param({"bucket_name": "x", "bucket_schema": {"properties": {"a": {}}}},
          ["body", "bucket_schema", "properties", "a", "type"], op="createBucketV2", decision=D30,
          title="422 a field without type", id="no-type"),
    param({"bucket_name": "x", "schema": {"properties": {"a": {"type": "object", "properties": {"b": {}}}}}},
          ["body", "schema", "properties", "a", "properties", "b", "type"], op="createBucketV2", decision=D30,
          title="422 a nested field without type (alias)", id="nested-no-type"),
    param([], ["body"], op="createBucketV2", decision=D30, title="422 a body that is not an object", id="array"),
    param("x", ["body"], op="createBucketV2", decision=D30, title="422 a body that is not an object", id="string"),
])
def test_create_invalid_body_is_422_naming_the_place(mixpeek, body, loc):
    checks.rejected_at(mixpeek.post("/v1/buckets", body), *loc)
    checks.rejected_at(mixpeek.post("/v1/buckets/create", body), *loc)


@case("createBucket", "422 for a JSON null or no body at all", decision=D28)
def test_create_without_a_body_is_422(mixpeek):
    for path in ("/v1/buckets/create", "/v1/buckets"):
        checks.rejected_at(mixpeek.post(path, data=b"null", headers={"Content-Type": "application/json"}), "body")
        checks.rejected_at(mixpeek.post(path, headers={"Content-Type": "application/json"}), "body")


# ------------------------------------------------------------------ get

@case("getBucket", "200 by id and by name; 404 for an unknown id or name", decision=D26)
def test_get_by_id_and_by_name(mixpeek, fresh_ns, create):
    made = create("photos", {"properties": {"p": {"type": "image"}}}, description="d", metadata={"k": [1, "v"]})
    bid = checks.bucket(made, name="photos", schema={"properties": {"p": {"type": "image"}}}, description="d",
                        metadata={"k": [1, "v"]})
    checks.exactly(checks.ok(mixpeek.get(f"/v1/buckets/{bid}")), made, "by id")
    checks.exactly(checks.ok(mixpeek.get("/v1/buckets/photos")), made, "by name")
    checks.error(mixpeek.get("/v1/buckets/bkt_000000000000"), 404)
    checks.error(mixpeek.get("/v1/buckets/Photos"), 404)          # names are case-sensitive


# ------------------------------------------------------------------ list

def _pagination(total, page, size, pages, nxt, prev):
    return {"total": total, "page": page, "page_size": size, "total_pages": pages, "next_page": nxt,
            "previous_page": prev}


@pytest.fixture
def five(fresh_ns, create):
    """Five buckets in a fresh namespace, oldest first."""
    return [create(f"b{i}", {"properties": {f"f{i}": {"type": "text"}}}, metadata={"i": i}) for i in range(5)]


@pytest.mark.parametrize("how", [param("post", op="listBuckets", decision=D26, title="pages counted exactly (body)"),
                                 param("get", op="listBucketsGet", decision=D26, title="pages counted exactly (query)")])
def test_list_pages_exactly(mixpeek, five, how):
    def page(limit, offset):
        r = mixpeek.post("/v1/buckets/list", {"limit": limit, "offset": offset}) if how == "post" else \
            mixpeek.get("/v1/buckets", params={"limit": limit, "offset": offset})
        return checks.ok(r)

    expected = [  # limit, offset -> results, pagination
        (2, 0, five[0:2], _pagination(5, 1, 2, 3, "2", None)),
        (2, 2, five[2:4], _pagination(5, 2, 2, 3, "3", "1")),
        (2, 4, five[4:5], _pagination(5, 3, 2, 3, None, "2")),
        (2, 3, five[3:5], _pagination(5, 2, 2, 3, "3", "1")),
        (5, 0, five, _pagination(5, 1, 5, 1, None, None)),
        (4, 0, five[0:4], _pagination(5, 1, 4, 2, "2", None)),
        (1, 4, five[4:5], _pagination(5, 5, 1, 5, None, "4")),
        (3, 5, [], _pagination(5, 2, 3, 2, None, "1")),
        (1000, 0, five, _pagination(5, 1, 1000, 1, None, None)),
    ]
    for limit, offset, results, pagination in expected:
        checks.exactly(page(limit, offset), {"results": results, "total_count": 5, "pagination": pagination},
                       f"limit={limit} offset={offset}")


@pytest.mark.parametrize("how", [param("post", op="listBuckets", decision=D26, title="defaults limit 10 offset 0"),
                                 param("get", op="listBucketsGet", decision=D26, title="defaults limit 10 offset 0")])
def test_list_defaults_and_an_empty_namespace(mixpeek, fresh_ns, create, how):
    def listed():
        return checks.ok(mixpeek.post("/v1/buckets/list") if how == "post" else mixpeek.get("/v1/buckets"))

    checks.exactly(listed(), {"results": [], "total_count": 0, "pagination": _pagination(0, 1, 10, 0, None, None)})
    made = [create(f"b{i}") for i in range(11)]
    checks.exactly(listed(), {"results": made[:10], "total_count": 11, "pagination": _pagination(11, 1, 10, 2, "2", None)})
    if how == "post":
        checks.exactly(checks.ok(mixpeek.post("/v1/buckets/list", {})), listed(), "an empty body")


@case("listBuckets", "the body's paging wins over the query's; other body fields are ignored", decision=D26)
def test_body_paging_wins_over_the_query(mixpeek, five):
    def listed(query, body):
        return checks.ok(mixpeek.post("/v1/buckets/list", body, params=query))

    checks.exactly(listed({"limit": 1, "offset": 0}, {"offset": 3}),
                   {"results": five[3:4], "total_count": 5, "pagination": _pagination(5, 4, 1, 5, "5", "3")})
    checks.exactly(listed({"limit": 1, "offset": 4}, {"limit": 2}),
                   {"results": five[4:5], "total_count": 5, "pagination": _pagination(5, 3, 2, 3, None, "2")})
    checks.exactly(listed({"limit": 2, "offset": 2}, None),
                   {"results": five[2:4], "total_count": 5, "pagination": _pagination(5, 2, 2, 3, "3", "1")})
    ignored = {"search": "b1", "filters": {"AND": [{"field": "bucket_name", "operator": "eq", "value": "b1"}]},
               "sort": {"field": "created_at", "direction": "desc"}, "case_sensitive": True}
    checks.exactly(listed({}, {"limit": 2, **ignored}),
                   {"results": five[0:2], "total_count": 5, "pagination": _pagination(5, 1, 2, 3, "2", None)})


@pytest.mark.parametrize("where", ["get-query", "post-query", "post-body"])
@pytest.mark.parametrize("field,value,valid", [(f, v, ok) for f, v, ok in [
    ("limit", 0, False), ("limit", 1, True), ("limit", 1000, True), ("limit", 1001, False),
    ("offset", -1, False), ("offset", 0, True)]], ids=lambda v: str(v))
@case("listBuckets", "limit 1..1000 and offset >= 0 at n-1, n, n+1 (query and body)", decision=D26)
def test_paging_bounds(mixpeek, five, where, field, value, valid):
    if where == "get-query":
        r = mixpeek.get("/v1/buckets", params={field: value})
    elif where == "post-query":
        r = mixpeek.post("/v1/buckets/list", params={field: value})
    else:
        r = mixpeek.post("/v1/buckets/list", {field: value})
    if not valid:
        checks.rejected_at(r, "body" if where == "post-body" else "query", field)
        return
    limit = value if field == "limit" else 10
    pages = -(-5 // limit)
    checks.exactly(checks.ok(r), {"results": five[:limit], "total_count": 5,
                                  "pagination": _pagination(5, 1, limit, pages, "2" if pages > 1 else None, None)})


@case("listBuckets", "an offset beyond 64 bits is read exactly (page = offset // limit + 1)", decision=D26)
def test_huge_offset_is_read_exactly(mixpeek, five):
    r = mixpeek.post("/v1/buckets/list", data=b'{"offset": %d}' % 2**80, headers={"Content-Type": "application/json"})
    page = 2**80 // 10 + 1
    checks.exactly(checks.ok(r), {"results": [], "total_count": 5,
                                  "pagination": _pagination(5, page, 10, 1, None, str(page - 1))})


@pytest.mark.parametrize("where,field,value", [
    *[("post-body", f, v) for f in ("limit", "offset") for v in ([], {}, "5", None, 1.5, True)],
    *[(w, f, v) for w in ("get-query", "post-query") for f in ("limit", "offset") for v in ("x", "1.5", "", "true")],
    ("post-body", None, []), ("post-body", None, "x"), ("post-body", None, None)])
@case("listBuckets", "422 naming the place for paging of the wrong kind", decision=D28)
def test_paging_of_the_wrong_kind_is_422(mixpeek, where, field, value):
    if where == "post-body" and field is None:
        r = mixpeek.post("/v1/buckets/list", data=json.dumps(value).encode(), headers={"Content-Type": "application/json"})
        checks.rejected_at(r, "body")
        return
    if where == "post-body":
        r = mixpeek.post("/v1/buckets/list", {field: value})
    else:
        r = (mixpeek.get("/v1/buckets", params={field: value}) if where == "get-query"
             else mixpeek.post("/v1/buckets/list", params={field: value}))
    checks.rejected_at(r, "body" if where == "post-body" else "query", field)


# ------------------------------------------------------------------ update

@case("updateBucket", "200 changes name, description and metadata; null or absent leaves a field", decision=D26)
def test_patch_changes_the_mutable_fields(mixpeek, fresh_ns):
    made = checks.ok(mixpeek.post("/v1/buckets", SEED_BODY))
    bid, schema = made["bucket_id"], SEED_BODY["schema"]

    def patched(ident, body, **expect):
        b = checks.ok(mixpeek.patch(f"/v1/buckets/{ident}", body))
        checks.bucket(b, bucket_id=bid, schema=schema, **expect)
        checks.exactly(checks.ok(mixpeek.get(f"/v1/buckets/{bid}")), b, "read back after the patch")
        return b

    desc, meta = SEED_BODY["description"], SEED_BODY["metadata"]
    patched(bid, {"bucket_name": "renamed", "description": None}, name="renamed", description=desc, metadata=meta)
    checks.error(mixpeek.get("/v1/buckets/user_profiles"), 404)
    patched("renamed", {"metadata": {"x": 1}}, name="renamed", description=desc, metadata={"x": 1})
    patched(bid, {"description": "new", "metadata": None, "bucket_name": None}, name="renamed", description="new",
            metadata={"x": 1})
    patched(bid, {}, name="renamed", description="new", metadata={"x": 1})
    patched(bid, {"metadata": {}, "bucket_schema": None, "unknown": 1}, name="renamed", description="new", metadata={})
    patched("renamed", {"bucket_name": "user_profiles", "description": "", "metadata": {"a": {"b": [1]}}},
            name="user_profiles", description="", metadata={"a": {"b": [1]}})


@case("updateBucket", "409 renaming onto a name taken in the namespace; itself and other namespaces are fine",
      decision=D26)
def test_renaming_onto_an_existing_name_is_409(mixpeek, fresh_ns, other_ns, create):
    a, b = create("a")["bucket_id"], create("b")["bucket_id"]
    create("c", ns=other_ns)
    checks.error(mixpeek.patch(f"/v1/buckets/{a}", {"bucket_name": "b"}), 409)
    checks.error(mixpeek.patch("/v1/buckets/a", {"bucket_name": "b", "description": "x"}), 409)
    checks.bucket(checks.ok(mixpeek.get(f"/v1/buckets/{a}")), name="a", schema=EMPTY, bucket_id=a)   # unchanged
    checks.bucket(checks.ok(mixpeek.patch(f"/v1/buckets/{a}", {"bucket_name": "a"})), name="a", schema=EMPTY, bucket_id=a)
    checks.bucket(checks.ok(mixpeek.patch(f"/v1/buckets/{a}", {"bucket_name": "B"})), name="B", schema=EMPTY, bucket_id=a)
    checks.bucket(checks.ok(mixpeek.patch(f"/v1/buckets/{b}", {"bucket_name": "c"})), name="c", schema=EMPTY, bucket_id=b)


@pytest.mark.parametrize("body", [{"bucket_schema": {"properties": {}}}, {"schema": {"properties": {}}},
                                  {"bucket_schema": {"properties": {"x": {"type": "text"}}}, "description": "x",
                                   "bucket_name": "renamed", "metadata": {"m": 1}}],      # every other field too
                         ids=["bucket_schema", "schema", "with-other-fields"])
@case("updateBucket", "400 BadRequestError for bucket_schema (or its alias) in a patch; nothing changes", decision=D26)
def test_patching_the_schema_is_400(mixpeek, fresh_ns, create, body):
    made = create("fixed", {"properties": {"f": {"type": "pdf"}}}, description="d")
    checks.error(mixpeek.patch(f"/v1/buckets/{made['bucket_id']}", body), 400)
    checks.exactly(checks.ok(mixpeek.get(f"/v1/buckets/{made['bucket_id']}")), made, "unchanged")
    checks.error(mixpeek.get("/v1/buckets/renamed"), 404)


@pytest.mark.parametrize("field,value", [("bucket_name", v) for v in ([], {}, 5, "", True)]
                         + [("description", v) for v in ([], {}, 5)] + [("metadata", v) for v in ([], "x", 5, "")]
                         + [(None, []), (None, "x"), (None, None)], ids=lambda v: repr(v))
@case("updateBucket", "422 naming the field for a patch of the wrong kind", decision=D28)
def test_patch_of_the_wrong_kind_is_422(mixpeek, fresh_ns, create, field, value):
    made = create("p")
    if field is None:
        r = mixpeek.patch(f"/v1/buckets/{made['bucket_id']}", data=json.dumps(value).encode(),
                          headers={"Content-Type": "application/json"})
        checks.rejected_at(r, "body")
    else:
        checks.rejected_at(mixpeek.patch(f"/v1/buckets/{made['bucket_id']}", {field: value}), "body", field)
    checks.exactly(checks.ok(mixpeek.get(f"/v1/buckets/{made['bucket_id']}")), made, "unchanged")


@case("updateBucket", "404 for an unknown bucket", decision=D26)
def test_patch_unknown_is_404(mixpeek, fresh_ns):
    checks.error(mixpeek.patch("/v1/buckets/bkt_000000000000", {"description": "x"}), 404)
    checks.error(mixpeek.patch("/v1/buckets/nope", {"description": "x"}), 404)


# ------------------------------------------------------------------ delete

@case("deleteBucket", "200 a PENDING task; the bucket is gone at once; a second delete is 404", decision=D26)
def test_delete(mixpeek, fresh_ns, create):
    keep = create("keep")
    for ident_of in (lambda b: b["bucket_id"], lambda b: b["bucket_name"]):
        made = create("doomed", {"properties": {"f": {"type": "video"}}}, metadata={"m": 1})
        bid = made["bucket_id"]
        body = checks.ok(mixpeek.delete(f"/v1/buckets/{ident_of(made)}"))
        assert isinstance(body.get("task_id"), str) and body["task_id"], body
        checks.exactly(body, {"task_id": body["task_id"], "status": "PENDING", "bucket_id": bid,
                              "bucket_name": "doomed", "object_count": 0}, "the deletion task")
        checks.error(mixpeek.get(f"/v1/buckets/{bid}"), 404)
        checks.error(mixpeek.get("/v1/buckets/doomed"), 404)
        checks.error(mixpeek.patch(f"/v1/buckets/{bid}", {"description": "x"}), 404)
        checks.error(mixpeek.delete(f"/v1/buckets/{bid}"), 404)
        checks.error(mixpeek.delete("/v1/buckets/doomed"), 404)
        checks.exactly(checks.ok(mixpeek.get("/v1/buckets")),
                       {"results": [keep], "total_count": 1, "pagination": _pagination(1, 1, 10, 1, None, None)})
    again = create("doomed")                                   # the name is free again, under a new id
    assert again["bucket_id"] != bid


# ------------------------------------------------------------------ auth (decision 27)

def _operations():
    name = "ctr-none"
    return [("createBucket", "POST", "/v1/buckets/create", {"bucket_name": name, "bucket_schema": EMPTY}),
            ("createBucketV2", "POST", "/v1/buckets", {"bucket_name": name, "bucket_schema": EMPTY}),
            ("listBucketsGet", "GET", "/v1/buckets", None), ("listBuckets", "POST", "/v1/buckets/list", {}),
            ("getBucket", "GET", f"/v1/buckets/{name}", None),
            ("updateBucket", "PATCH", f"/v1/buckets/{name}", {"description": "x"}),
            ("deleteBucket", "DELETE", f"/v1/buckets/{name}", None)]


def _unknown_key():
    return "sk_" + secrets.token_hex(16)


AUTH_OUTCOMES = {"none": None, "no-scheme": "KEY", "basic": "Basic c2tfZGVtbzp4", "bearer-only": "Bearer",
                 "bearer-empty": "Bearer ", "unknown": "UNKNOWN", "other-scheme": "Token KEY"}


@pytest.mark.parametrize("outcome", list(AUTH_OUTCOMES))
@pytest.mark.parametrize("op,method,path,body", [
    param(*o, op=o[0], decision=D27, title="403 UnauthorizedError without a known Bearer key", id=o[0],
          safe=o[1] == "GET") for o in _operations()])
def test_missing_malformed_or_unknown_key_is_403(mixpeek, op, method, path, body, outcome):
    auth = AUTH_OUTCOMES[outcome]
    if auth is not None:
        auth = auth.replace("UNKNOWN", "Bearer " + _unknown_key()).replace("KEY", mixpeek.key)
    r = mixpeek.request(method, path, body, auth=auth if auth is not None else ABSENT)
    checks.error(r, 403)


# ------------------------------------------------------------------ namespaces (decision 29)

@case("getBucket", "buckets are invisible across namespaces (404 by id and by name), names case-sensitive",
      decision=D29)
@pytest.mark.parametrize("which", ["another", "same name, other case"])
def test_namespaces_isolate_buckets(mixpeek, fresh_ns, other_ns, create, which):
    made = create("private")
    bid = made["bucket_id"]
    other = other_ns if which == "another" else fresh_ns.upper()
    for ident in (bid, "private"):
        checks.error(mixpeek.get(f"/v1/buckets/{ident}", ns=other), 404)
        checks.error(mixpeek.patch(f"/v1/buckets/{ident}", {"description": "x"}, ns=other), 404)
        checks.error(mixpeek.delete(f"/v1/buckets/{ident}", ns=other), 404)
    empty = {"results": [], "total_count": 0, "pagination": _pagination(0, 1, 10, 0, None, None)}
    checks.exactly(checks.ok(mixpeek.get("/v1/buckets", ns=other)), empty, "the other namespace's list")
    checks.exactly(checks.ok(mixpeek.post("/v1/buckets/list", ns=other)), empty, "the other namespace's list")
    checks.exactly(checks.ok(mixpeek.get(f"/v1/buckets/{bid}")), made, "still there in its own namespace")


@case("createBucketV2", "the same name may be used in two namespaces", decision=D29)
def test_same_name_in_two_namespaces(mixpeek, fresh_ns, other_ns):
    a = checks.ok(mixpeek.post("/v1/buckets", SEED_BODY))
    b = checks.ok(mixpeek.post("/v1/buckets/create", SEED_BODY, ns=other_ns))
    assert a["bucket_id"] != b["bucket_id"]
    checks.exactly(checks.ok(mixpeek.get("/v1/buckets/user_profiles")), a, "in the first namespace")
    checks.exactly(checks.ok(mixpeek.get("/v1/buckets/user_profiles", ns=other_ns)), b, "in the second")
    checks.ok(mixpeek.delete("/v1/buckets/user_profiles", ns=other_ns))
    checks.exactly(checks.ok(mixpeek.get("/v1/buckets/user_profiles")), a, "deleting the other leaves this one")


@case("createBucketV2", "no X-Namespace means the namespace default", decision=D29)
def test_absent_namespace_is_default(mixpeek, names):
    for create_ns, read_ns in ((ABSENT, "default"), ("default", ABSENT)):
        name = names("dflt")
        made = checks.ok(mixpeek.post("/v1/buckets", {"bucket_name": name, "bucket_schema": EMPTY}, ns=create_ns))
        checks.bucket(made, name=name, schema=EMPTY)
        checks.exactly(checks.ok(mixpeek.get(f"/v1/buckets/{made['bucket_id']}", ns=read_ns)), made, "read back")
        checks.exactly(checks.ok(mixpeek.get(f"/v1/buckets/{name}", ns=read_ns)), made, "read back by name")
        checks.error(mixpeek.get(f"/v1/buckets/{name}"), 404)          # not in the run's namespace
        checks.ok(mixpeek.delete(f"/v1/buckets/{name}", ns=read_ns))


@pytest.mark.parametrize("op,method,path,body", [
    param(*o, op=o[0], decision=D29, title="422 for an empty X-Namespace", id=o[0], safe=o[1] == "GET")
    for o in _operations()])
def test_empty_namespace_is_422(mixpeek, op, method, path, body):
    checks.rejected_at(mixpeek.request(method, path, body, ns=""), "header", "x-namespace")
    if method == "GET" and op == "listBucketsGet":        # the limit at n: one character is a namespace
        checks.ok(mixpeek.request(method, path, ns="x"))


# ------------------------------------------------------------------ framework errors in the envelope (decision 28)

@case("listBucketsGet", "404 NotFoundError for an unknown route", decision=D28, safe=True)
def test_unknown_route_is_404(mixpeek):
    checks.error(mixpeek.get("/v1/nothing"), 404)
    checks.error(mixpeek.get("/v1/buckets/a/b/c"), 404)


@pytest.mark.parametrize("method,path", [("PUT", "/v1/buckets"), ("DELETE", "/v1/buckets"), ("PATCH", "/v1/buckets"),
                                         ("PUT", "/v1/buckets/x"), ("POST", "/v1/buckets/x")])
@case("listBucketsGet", "405 MethodNotAllowedError with Allow naming the path's methods", decision=D28)
def test_wrong_method_is_405_with_allow(mixpeek, method, path):
    r = mixpeek.request(method, path)
    checks.error(r, 405)
    template = "/v1/buckets/{bucket_identifier}" if path.count("/") == 3 else path
    allow = {m.strip().upper() for m in r.headers.get("allow", "").split(",") if m.strip()}
    assert allowed_methods(template) <= allow, f"Allow {r.headers.get('allow')!r} should name {allowed_methods(template)}"


@pytest.mark.parametrize("method,path", [("POST", "/v1/buckets/create"), ("POST", "/v1/buckets"),
                                         ("POST", "/v1/buckets/list"), ("PATCH", "/v1/buckets/x")])
@case("createBucket", "415 UnsupportedMediaTypeError for a body that is not JSON", decision=D28)
def test_not_json_is_415(mixpeek, method, path):
    checks.error(mixpeek.request(method, path, data=b"bucket_name=x", headers={"Content-Type": "text/plain"}), 415)
    checks.error(mixpeek.request(method, path, data=b"bucket_name=x",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)


@pytest.mark.parametrize("method,path", [("POST", "/v1/buckets/create"), ("POST", "/v1/buckets"),
                                         ("POST", "/v1/buckets/list"), ("PATCH", "/v1/buckets/x")])
@case("createBucket", "422 json_invalid for malformed JSON", decision=D28)
def test_malformed_json_is_422(mixpeek, method, path):
    r = mixpeek.request(method, path, data=b'{"bucket_name": nope', headers={"Content-Type": "application/json"})
    err = checks.error(r, 422)
    errors = err["details"]["errors"]
    assert len(errors) == 1 and errors[0]["loc"][0] == "body" and errors[0]["type"] == "json_invalid", errors


@case("createBucket", "413 PayloadTooLargeError for a body over the limit (the mock's: 5 MiB)", decision=D28)
def test_too_large_is_413(mixpeek):
    big = b'{"bucket_name": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    checks.error(mixpeek.post("/v1/buckets/create", data=big, headers={"Content-Type": "application/json"}), 413)
