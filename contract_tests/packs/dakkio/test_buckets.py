"""Buckets: /api-reference/buckets/*."""

import pytest

from . import checks
from .contract import case

MISSING = "aaaaaaaaaaaaaaaaaaaaaaaa"


@case("createBucket", "201 create returns the bucket with organizationId")
def test_create_bucket(api, factory, target):
    name = factory.name()
    body = checks.ok(api.post("/api/buckets", {"name": name, "description": "d"}), 201)
    assert body["message"] == "Bucket created successfully"
    b = body["bucket"]
    assert b["name"] == name and b["description"] == "d" and checks.OBJECT_ID.match(b["_id"])
    assert checks.OBJECT_ID.match(b["organizationId"])
    checks.recent(b["createdAt"]), checks.recent(b["updatedAt"])


@case("createBucket", "name of exactly 100 characters accepted")
def test_hundred_character_name(api, factory):
    name = (factory.name() + "x" * 100)[:100]
    assert checks.ok(api.post("/api/buckets", {"name": name}), 201)["bucket"]["name"] == name


@case("createBucket", "name of exactly 1 character accepted")
def test_one_character_name(api, factory):
    r = api.post("/api/buckets", {"name": "é"})
    if r.status_code == 409:   # someone else's bucket already has it: still accepted as valid input
        checks.error(r, 409)
        return
    b = checks.ok(r, 201)["bucket"]
    checks.ok(api.delete(f"/api/buckets/{b['_id']}"), 200)


@case("createBucket", "400 empty name with Zod details")
def test_empty_name(api):
    checks.error(api.post("/api/buckets", {"name": ""}), 400, "Invalid request parameters", ["body", "name"])


@case("createBucket", "400 name over 100 characters")
def test_long_name(api, factory):
    r = api.post("/api/buckets", {"name": (factory.prefix + "x" * 101)[:101]})
    checks.error(r, 400, "Bucket name must be 100 characters or less")


@case("createBucket", "400 missing or mistyped fields")
def test_bad_fields(api):
    checks.error(api.post("/api/buckets", {}), 400, path=["body", "name"])
    checks.error(api.post("/api/buckets", {"name": 5}), 400, path=["body", "name"])
    checks.error(api.post("/api/buckets", {"name": "x", "description": 7}), 400, path=["body", "description"])


@case("createBucket", "409 duplicate name")
def test_duplicate(api, factory):
    name = factory.name()
    checks.ok(api.post("/api/buckets", {"name": name}), 201)
    checks.error(api.post("/api/buckets", {"name": name}), 409, "A bucket with this name already exists")


@case("createBucket", "names are case-sensitive and not trimmed", decision="decision 4")
def test_names_case_sensitive(api, factory):
    name = factory.name("Case")
    created = checks.ok(api.post("/api/buckets", {"name": name}), 201)["bucket"]
    for other in (name.lower(), name + " ", " " + name, name.upper()):
        made = checks.ok(api.post("/api/buckets", {"name": other}), 201)["bucket"]
        checks.ok(api.delete(f"/api/buckets/{made['_id']}"))      # not the run's prefix: not swept at the end
        assert made["name"] == other
    assert checks.ok(api.get(f"/api/buckets/{created['_id']}"))["bucket"]["name"] == name


@case("createBucket", "null description is returned as null", decision="decision 12")
def test_null_description(api, factory):
    b = checks.ok(api.post("/api/buckets", {"name": factory.name(), "description": None}), 201)["bucket"]
    assert b["description"] is None
    b = checks.ok(api.post("/api/buckets", {"name": factory.name()}), 201)["bucket"]
    assert b["description"] is None


@case("getBucket", "200 with organizationId and stats")
def test_get_bucket(api, world):
    b = checks.ok(api.get(f"/api/buckets/{world.a}"))["bucket"]
    assert b["_id"].lower() == world.a.lower()
    assert set(b["stats"]) >= {"dataSourceCount", "dataPointCount", "apiKeyCount"}
    assert all(isinstance(v, int) and v >= 0 for v in b["stats"].values())
    assert b["stats"]["apiKeyCount"] >= 2 and b["stats"]["dataSourceCount"] >= 1   # the run's own, at least


@case("getBucket", "stats count what this run created")
def test_stats_are_true_counts(api, factory):
    bid = factory.bucket()
    src = factory.source(bid, {"v": {"type": "number"}})
    factory.key(bid, "write")
    factory.batch(bid, [{"dataSourceId": src, "timestamp": f"2024-03-01T00:00:{i:02d}Z", "values": {"v": i}}
                        for i in range(7)])
    stats = checks.ok(api.get(f"/api/buckets/{bid}"))["bucket"]["stats"]
    assert stats == {"dataSourceCount": 1, "dataPointCount": 7, "apiKeyCount": 1}


@case("getBucket", "400 malformed ID", safe=True)
@pytest.mark.parametrize("bad", ["123", "zzzzzzzzzzzzzzzzzzzzzzzz", "507f1f77bcf86cd7994390111"])
def test_get_malformed(api, bad):
    checks.error(api.get(f"/api/buckets/{bad}"), 400, "Invalid bucket ID format", details=False)


@case("getBucket", "404 unknown bucket", safe=True)
def test_get_missing(api):
    checks.error(api.get(f"/api/buckets/{MISSING}"), 404, "Bucket not found")


@case("listBuckets", "200 lists buckets with pagination", safe=True)
def test_list(api):
    body = checks.ok(api.get("/api/buckets"))
    p = body["pagination"]
    assert p["limit"] == 100 and p["offset"] == 0 and isinstance(body["buckets"], list)
    assert p["hasMore"] == (p["offset"] + len(body["buckets"]) < p["total"])
    for b in body["buckets"]:
        assert {"_id", "name", "description", "createdAt", "updatedAt"} <= set(b)


@case("listBuckets", "pagination invariants across pages", safe=True)
def test_pages(api, request):
    if not request.config.getoption("--read-only"):
        request.getfixturevalue("world")          # at least two buckets exist
    first = checks.ok(api.get("/api/buckets", params={"limit": 1}))
    total = first["pagination"]["total"]
    if total < 2:
        pytest.skip("needs two buckets")
    seen = []
    for offset in range(min(total, 5)):
        page = checks.ok(api.get("/api/buckets", params={"limit": 1, "offset": offset}))
        assert page["pagination"] == {"limit": 1, "offset": offset, "total": page["pagination"]["total"],
                                      "hasMore": offset + 1 < page["pagination"]["total"]}
        assert len(page["buckets"]) == 1
        seen.append(page["buckets"][0]["_id"])
    assert len(set(seen)) == len(seen), "pages overlap"
    past = checks.ok(api.get("/api/buckets", params={"limit": 10, "offset": total + 5}))
    assert past["buckets"] == [] and past["pagination"]["hasMore"] is False


@case("listBuckets", "new buckets are listed, oldest first", decision="decision 21")
def test_creation_order(api, factory):
    ids = [factory.bucket(), factory.bucket()]
    found = [b["_id"] for b in factory.own_buckets()]
    assert [i for i in found if i in ids] == ids


@case("listBuckets", "limit 1 and 1000 accepted; 0 and 1001 rejected", safe=True)
def test_limit_boundaries(api):
    checks.ok(api.get("/api/buckets", params={"limit": 1}))
    checks.ok(api.get("/api/buckets", params={"limit": 1000}))
    checks.error(api.get("/api/buckets", params={"limit": 0}), 400, path=["query", "limit"])
    checks.error(api.get("/api/buckets", params={"limit": 1001}), 400, path=["query", "limit"])
    checks.error(api.get("/api/buckets", params={"offset": -1}), 400, path=["query", "offset"])
    checks.error(api.get("/api/buckets", params={"limit": "ten"}), 400, path=["query", "limit"])


@case("deleteBucket", "200 with true deletedResources counts and cascade")
def test_delete_cascade(api, factory):
    bid = factory.bucket()
    s1 = factory.source(bid, {"v": {"type": "number"}})
    factory.source(bid, {})
    w = factory.key(bid, "write")
    factory.key(bid, "read")
    factory.batch(bid, [{"dataSourceId": s1, "values": {"v": i}, "timestamp": f"2024-03-01T00:{i:02d}:00Z"}
                        for i in range(5)])
    checks.ok(api.post("/api/alerts", {"bucketId": bid, "dataSourceId": s1, "name": "r", "condition": "v is greater than 3",
                                       "webhookUrl": "https://example.com/hook"}), 201)
    name = checks.ok(api.get(f"/api/buckets/{bid}"))["bucket"]["name"]
    body = checks.ok(api.delete(f"/api/buckets/{bid}"))
    assert body["message"] == "Bucket deleted successfully"
    assert body["deletedBucket"]["_id"].lower() == bid.lower() and body["deletedBucket"]["name"] == name
    assert body["deletedResources"] == {"dataSources": 2, "dataPoints": 5, "apiKeys": 2, "alertRules": 1}
    checks.error(api.get(f"/api/buckets/{bid}"), 404, "Bucket not found")
    checks.unauthorized(api.get(f"/api/buckets/{bid}/sources", key=w["key"]))
    checks.error(api.delete(f"/api/buckets/{bid}"), 404, "Bucket not found")


@case("deleteBucket", "400 malformed ID, 404 unknown")
def test_delete_errors(api):
    checks.error(api.delete("/api/buckets/xyz"), 400, "Invalid bucket ID format")
    checks.error(api.delete(f"/api/buckets/{MISSING}"), 404, "Bucket not found")
