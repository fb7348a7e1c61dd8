"""Data sources: /api-reference/datasources/*."""

from . import checks
from .contract import case


@case("createDataSource", "201 with defaults (type sensor, downsampling true)", decision="decision 6")
def test_create_source(api, factory, world):
    schema = {"temperature": {"type": "number", "unit": "celsius", "description": "Temperature reading"},
              "on": {"type": "boolean"}}
    body = checks.ok(api.post(f"/api/buckets/{world.a}/sources", {"name": "DHT22", "schema": schema}, key=world.write_a), 201)
    assert body["message"] == "Data source created successfully"
    s = body["dataSource"]
    assert (s["name"], s["type"], s["downsampling"], s["description"]) == ("DHT22", "sensor", True, None)
    assert s["schema"] == schema and s["bucketId"].lower() == world.a.lower() and s["status"] == "active"
    checks.recent(s["createdAt"])


@case("createDataSource", "given type, description and downsampling are kept")
def test_create_source_fields(api, world):
    s = checks.ok(api.post(f"/api/buckets/{world.a}/sources", {
        "name": "API feed", "type": "application", "description": "weather", "schema": {}, "downsampling": False}), 201)
    s = s["dataSource"]
    assert (s["type"], s["description"], s["downsampling"], s["schema"]) == ("application", "weather", False, {})


@case("createDataSource", "400 missing name or schema, bad field type", decision="decision 15")
def test_create_source_errors(api, world):
    url = f"/api/buckets/{world.a}/sources"
    checks.error(api.post(url, {"schema": {}}), 400, path=["body", "name"])
    checks.error(api.post(url, {"name": "x"}), 400, path=["body", "schema"])
    checks.error(api.post(url, {"name": "x", "schema": {"t": "number"}}), 400, path=["body", "schema", "t"])
    checks.error(api.post(url, {"name": "x", "schema": {"t": {"type": "date"}}}), 400, path=["body", "schema", "t", "type"])
    checks.error(api.post(url, {"name": "", "schema": {}}), 400, path=["body", "name"])


@case("listDataSources", "200 lists the bucket's sources for every key type", safe=True)
def test_list_sources(api, world):
    for key in (None, world.write_a, world.read_a):
        items = checks.ok(api.get(f"/api/buckets/{world.a}/sources", key=key))["dataSources"]
        ids = [s["_id"].lower() for s in items]
        assert world.source_a.lower() in ids and world.source_b.lower() not in ids
        for s in items:
            assert {"_id", "name", "type", "description", "schema", "status", "createdAt", "updatedAt"} <= set(s)


@case("listDataSources", "new sources are listed in creation order", decision="decision 21")
def test_list_order(api, factory):
    bid = factory.bucket()
    ids = [factory.source(bid, {}), factory.source(bid, {})]
    assert [s["_id"] for s in checks.ok(api.get(f"/api/buckets/{bid}/sources"))["dataSources"]] == ids
    empty = factory.bucket()
    assert checks.ok(api.get(f"/api/buckets/{empty}/sources")) == {"dataSources": []}


@case("listDataSources", "404 unknown bucket, 400 malformed ID", safe=True)
def test_list_sources_errors(api):
    checks.error(api.get("/api/buckets/cccccccccccccccccccccccc/sources"), 404, "Bucket not found")
    checks.error(api.get("/api/buckets/c/sources"), 400, "Invalid bucket ID format")
