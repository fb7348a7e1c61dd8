"""The Mixpeek mock over HTTP (Starlette test client, response validation on): every documented and
decided case of DESIGN decisions 26-31: statuses, the envelope, auth, namespaces, the alias, defaults."""

import pytest
from starlette.testclient import TestClient

from mock_server import create_app

KEY = "sk_demo0000000000000000000000000000"
AUTH = {"Authorization": f"Bearer {KEY}"}
SEED_BODY = {   # the seed's own curl example, literally (it sends `schema`, not `bucket_schema`)
    "bucket_name": "user_profiles", "description": "Bucket for storing user profile information",
    "metadata": {"created_by": "admin", "department": "HR"},
    "schema": {"properties": {"user_picture": {"type": "image"},
                              "documents": {"items": {"type": "pdf"}, "type": "array"}}}}
TYPES = {400: "BadRequestError", 403: "UnauthorizedError", 404: "NotFoundError", 405: "MethodNotAllowedError",
         409: "AlreadyExistsError", 413: "PayloadTooLargeError", 415: "UnsupportedMediaTypeError",
         422: "ValidationError"}


@pytest.fixture
def client():
    return TestClient(create_app("mixpeek", fixtures=None, seed=2, validate_responses=True),
                      raise_server_exceptions=False)


@pytest.fixture
def demo():
    return TestClient(create_app("mixpeek", seed=2, validate_responses=True), raise_server_exceptions=False)


@pytest.fixture(autouse=True)
def _keys(client):
    client.app.mock.state.keys[KEY] = "test key"


def ns(name):
    return {**AUTH, "X-Namespace": name}


def error(r, status, message=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["success"] is False and body["status"] == status
    assert body["error"]["type"] == TYPES[status] and isinstance(body["error"]["message"], str)
    assert set(body) == {"success", "status", "error"} and set(body["error"]) <= {"message", "type", "details"}
    if message is not None:
        assert body["error"]["message"] == message
    return body["error"]


def validation_locs(r):
    return [e["loc"] for e in error(r, 422)["details"]["errors"]]


@pytest.mark.parametrize("path", ["/v1/buckets/create", "/v1/buckets"])
def test_the_seeds_own_example_creates_at_both_paths(client, path):
    r = client.post(path, json=SEED_BODY, headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {"bucket_id": body["bucket_id"], "bucket_name": "user_profiles",
                    "description": "Bucket for storing user profile information",
                    "bucket_schema": SEED_BODY["schema"], "metadata": SEED_BODY["metadata"],
                    "object_count": 0, "total_size_bytes": 0}
    assert body["bucket_id"].startswith("bkt_") and len(body["bucket_id"]) == 16
    assert int(body["bucket_id"][4:], 16) >= 0 and body["bucket_id"][4:] == body["bucket_id"][4:].lower()


def test_bucket_schema_wins_over_the_alias_and_defaults_apply(client):
    r = client.post("/v1/buckets", headers=AUTH, json={
        "bucket_name": "b", "bucket_schema": {"properties": {"a": {"type": "text"}}},
        "schema": {"properties": {"z": {"type": "pdf"}}}, "unknown_field": 1})
    assert r.status_code == 200
    assert r.json()["bucket_schema"] == {"properties": {"a": {"type": "text"}}}
    assert r.json()["description"] is None and r.json()["metadata"] == {}


def test_get_by_id_and_by_name_and_404(client):
    bid = client.post("/v1/buckets", json=SEED_BODY, headers=AUTH).json()["bucket_id"]
    assert client.get(f"/v1/buckets/{bid}", headers=AUTH).json()["bucket_name"] == "user_profiles"
    assert client.get("/v1/buckets/user_profiles", headers=AUTH).json()["bucket_id"] == bid
    error(client.get("/v1/buckets/bkt_000000000000", headers=AUTH), 404)


def test_namespaces_isolate_buckets_and_names(client):
    a = client.post("/v1/buckets", json=SEED_BODY, headers=ns("team-a")).json()["bucket_id"]
    error(client.get(f"/v1/buckets/{a}", headers=ns("team-b")), 404)
    error(client.get(f"/v1/buckets/{a}", headers=AUTH), 404)           # absent header = "default"
    assert client.post("/v1/buckets", json=SEED_BODY, headers=ns("team-b")).status_code == 200   # same name elsewhere
    assert client.post("/v1/buckets", json=SEED_BODY, headers=AUTH).status_code == 200
    assert client.get("/v1/buckets", headers=ns("team-a")).json()["total_count"] == 1
    error(client.post("/v1/buckets/create", json=SEED_BODY, headers=ns("team-a")), 409)
    error(client.get("/v1/buckets", headers=ns("")), 422)               # an empty namespace name


def test_duplicate_names_are_case_sensitive(client):
    assert client.post("/v1/buckets", json=SEED_BODY, headers=AUTH).status_code == 200
    assert client.post("/v1/buckets", json={**SEED_BODY, "bucket_name": "User_Profiles"}, headers=AUTH).status_code == 200
    err = error(client.post("/v1/buckets", json=SEED_BODY, headers=AUTH), 409)
    assert "user_profiles" in err["message"]


def _fill(client, n, headers=AUTH):
    return [client.post("/v1/buckets", headers=headers,
                        json={"bucket_name": f"b{i}", "bucket_schema": {"properties": {}}}).json()["bucket_id"]
            for i in range(n)]


def test_list_both_ways_pages_and_counts(client):
    ids = _fill(client, 5)
    first = client.post("/v1/buckets/list", json={"limit": 2}, headers=AUTH).json()
    assert [b["bucket_id"] for b in first["results"]] == ids[:2] and first["total_count"] == 5
    assert first["pagination"] == {"total": 5, "page": 1, "page_size": 2, "total_pages": 3,
                                   "next_page": "2", "previous_page": None}
    last = client.get("/v1/buckets?limit=2&offset=4", headers=AUTH).json()
    assert [b["bucket_id"] for b in last["results"]] == ids[4:]
    assert last["pagination"] == {"total": 5, "page": 3, "page_size": 2, "total_pages": 3,
                                  "next_page": None, "previous_page": "2"}
    # the body wins over the query string; other body fields are ignored; no body at all is fine
    won = client.post("/v1/buckets/list?limit=1&offset=0", json={"offset": 3, "search": "x", "sort": {}}, headers=AUTH)
    assert [b["bucket_id"] for b in won.json()["results"]] == [ids[3]]
    default = client.post("/v1/buckets/list", headers=AUTH).json()
    assert len(default["results"]) == 5 and default["pagination"]["page_size"] == 10
    assert client.get("/v1/buckets", headers=ns("empty")).json() == {
        "results": [], "total_count": 0, "pagination": {"total": 0, "page": 1, "page_size": 10, "total_pages": 0,
                                                        "next_page": None, "previous_page": None}}


@pytest.mark.parametrize("query,loc", [("limit=0", "limit"), ("limit=1001", "limit"), ("offset=-1", "offset"),
                                       ("limit=x", "limit")])
def test_list_paging_bounds(client, query, loc):
    assert validation_locs(client.get(f"/v1/buckets?{query}", headers=AUTH)) == [["query", loc]]
    assert client.get("/v1/buckets?limit=1000", headers=AUTH).status_code == 200


def test_list_paging_bounds_in_the_body(client):
    assert validation_locs(client.post("/v1/buckets/list", json={"limit": 0}, headers=AUTH)) == [["body", "limit"]]


def test_patch_changes_mutable_fields_only(client):
    bid = client.post("/v1/buckets", json=SEED_BODY, headers=AUTH).json()["bucket_id"]
    r = client.patch(f"/v1/buckets/{bid}", json={"bucket_name": "renamed", "description": None}, headers=AUTH)
    assert r.status_code == 200
    assert (r.json()["bucket_name"], r.json()["description"]) == ("renamed", SEED_BODY["description"])
    r = client.patch("/v1/buckets/renamed", json={"metadata": {"x": 1}}, headers=AUTH)
    assert r.json()["metadata"] == {"x": 1} and r.json()["bucket_schema"] == SEED_BODY["schema"]
    assert client.get(f"/v1/buckets/{bid}", headers=AUTH).json()["bucket_name"] == "renamed"
    error(client.patch(f"/v1/buckets/{bid}", json={"bucket_schema": {"properties": {}}}, headers=AUTH), 400,
          "bucket_schema cannot be updated after the bucket is created")
    error(client.patch("/v1/buckets/nope", json={"description": "x"}, headers=AUTH), 404)
    assert validation_locs(client.patch(f"/v1/buckets/{bid}", json={"bucket_name": ""}, headers=AUTH)) == [
        ["body", "bucket_name"]]


def test_renaming_onto_an_existing_name_is_409(client):
    a, _ = _fill(client, 2)
    error(client.patch(f"/v1/buckets/{a}", json={"bucket_name": "b1"}, headers=AUTH), 409)
    assert client.patch(f"/v1/buckets/{a}", json={"bucket_name": "b0"}, headers=AUTH).status_code == 200   # itself


def test_delete_answers_a_pending_task_and_the_bucket_is_gone(client):
    bid = client.post("/v1/buckets", json=SEED_BODY, headers=AUTH).json()["bucket_id"]
    r = client.delete(f"/v1/buckets/{bid}", headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert body == {"task_id": body["task_id"], "status": "PENDING", "bucket_id": bid,
                    "bucket_name": "user_profiles", "object_count": 0}
    error(client.get(f"/v1/buckets/{bid}", headers=AUTH), 404)
    error(client.delete(f"/v1/buckets/{bid}", headers=AUTH), 404)
    assert client.post("/v1/buckets", json=SEED_BODY, headers=AUTH).status_code == 200   # the name is free again


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk_unknown"}, {"Authorization": KEY},
                                     {"Authorization": "Basic c2tfZGVtbzp4"}, {"Authorization": "Bearer"}])
def test_missing_malformed_or_unknown_keys_are_403(client, headers):
    for method, path, body in [("GET", "/v1/buckets", None), ("POST", "/v1/buckets", SEED_BODY),
                               ("GET", "/v1/buckets/x", None), ("DELETE", "/v1/buckets/x", None)]:
        error(client.request(method, path, json=body, headers=headers), 403, "Invalid or missing API key")


@pytest.mark.parametrize("body,locs", [
    ({"bucket_schema": {"properties": {}}}, [["body", "bucket_name"]]),
    ({"bucket_name": "", "bucket_schema": {"properties": {}}}, [["body", "bucket_name"]]),
    ({"bucket_name": 5, "bucket_schema": {"properties": {}}}, [["body", "bucket_name"]]),
    ({"bucket_name": "x"}, [["body", "bucket_schema"]]),
    ({"bucket_name": "x", "bucket_schema": {}}, [["body", "bucket_schema", "properties"]]),
    ({"bucket_name": "x", "bucket_schema": {"properties": {"a": {"type": "keyword"}}}},
     [["body", "bucket_schema", "properties", "a", "type"]]),
    ({"bucket_name": "x", "bucket_schema": {"properties": {"a": {"type": "array", "items": {"type": "nope"}}}}},
     [["body", "bucket_schema", "properties", "a", "items", "type"]]),
    ({"bucket_name": "x", "schema": {"properties": {"a": {"type": "object", "properties": {"b": {}}}}}},
     [["body", "schema", "properties", "a", "properties", "b", "type"]]),
    ({"bucket_name": "x", "bucket_schema": {"properties": {}}, "metadata": []}, [["body", "metadata"]]),
    ({"bucket_name": "x", "bucket_schema": {"properties": {}}, "description": 3}, [["body", "description"]]),
])
def test_create_validation_is_422_naming_the_place(client, body, locs):
    assert validation_locs(client.post("/v1/buckets", json=body, headers=AUTH)) == locs


def test_every_schema_field_type_is_accepted(client):
    types = ["string", "number", "integer", "float", "boolean", "object", "array", "date", "datetime", "text",
             "image", "audio", "video", "pdf", "excel"]
    r = client.post("/v1/buckets", headers=AUTH, json={
        "bucket_name": "all", "bucket_schema": {"properties": {t: {"type": t} for t in types}}})
    assert r.status_code == 200 and set(r.json()["bucket_schema"]["properties"]) == set(types)


def test_framework_errors_use_the_envelope(client):
    error(client.get("/v1/nothing", headers=AUTH), 404)
    r = client.put("/v1/buckets", headers=AUTH)
    error(r, 405)
    assert "POST" in r.headers["allow"] and "GET" in r.headers["allow"]
    error(client.post("/v1/buckets", content=b"bucket_name=x", headers={**AUTH, "Content-Type": "text/plain"}), 415)
    bad = client.post("/v1/buckets", content=b"{nope", headers={**AUTH, "Content-Type": "application/json"})
    assert error(bad, 422)["details"]["errors"][0]["type"] == "json_invalid"
    big = client.post("/v1/buckets", content=b"x" * (5 * 1024 * 1024 + 1),
                      headers={**AUTH, "Content-Type": "application/json"})
    error(big, 413)
    assert validation_locs(client.post("/v1/buckets", headers=AUTH)) == [["body"]]


def test_demo_fixtures_have_a_known_key_and_two_namespaces(demo):
    r = demo.get("/v1/buckets", headers=AUTH)
    assert [b["bucket_name"] for b in r.json()["results"]] == ["user_profiles"]
    r = demo.get("/v1/buckets/product_images", headers=ns("netflix_prod"))
    assert r.status_code == 200 and r.json()["bucket_id"] == "bkt_0a1b2c3d4e5f"
    assert demo.get("/__mock/health").json()["api"] == "mixpeek"


def test_state_dump_loads_back(client):
    _fill(client, 2, ns("x"))
    dump = client.get("/__mock/state").json()
    assert client.post("/__mock/fixtures", json=dump).status_code == 201
    assert client.get("/v1/buckets", headers=ns("x")).json()["total_count"] == 2


def test_integers_beyond_64_bits_are_read_exactly(client):
    r = client.post("/v1/buckets/list", content=b'{"offset": %d}' % 2**80,
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["results"] == []
    assert r.json()["pagination"]["page"] == 2**80 // 10 + 1


def test_an_optional_body_may_be_absent_but_not_a_json_null(client):
    assert client.post("/v1/buckets/list", headers=AUTH).status_code == 200
    null = client.post("/v1/buckets/list", content=b"null", headers={**AUTH, "Content-Type": "application/json"})
    assert validation_locs(null) == [["body"]]
