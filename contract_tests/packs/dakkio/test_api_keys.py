"""API keys: /api-reference/keys/*."""

import re

from . import checks
from .contract import case

MISSING = "bbbbbbbbbbbbbbbbbbbbbbbb"


@case("createApiKey", "201 returns the full key once", decision="decision 5")
def test_create_key(api, factory, world):
    body = checks.ok(api.post(f"/api/buckets/{world.a}/keys", {"name": "device", "type": "write"}), 201)
    assert body["message"] == "API key created successfully"
    k = body["apiKey"]
    assert re.fullmatch(r"dakkio_w_[a-z0-9]{40}", k["key"]), k["key"]
    assert k["keyPrefix"] == k["key"][:13] + "..." and k["type"] == "write" and k["name"] == "device"
    assert k["bucketId"].lower() == world.a.lower()
    checks.recent(k["createdAt"])
    r = checks.ok(api.post(f"/api/buckets/{world.a}/keys", {"name": "dash", "type": "read"}), 201)["apiKey"]
    assert r["key"].startswith("dakkio_r_")


@case("createApiKey", "a new key works at once, scoped to its bucket")
def test_new_key_works(api, factory, world):
    k = factory.key(world.a, "read")
    checks.ok(api.get(f"/api/buckets/{world.a}/sources", key=k["key"]))
    checks.error(api.get(f"/api/buckets/{world.b}/sources", key=k["key"]), 403)


@case("createApiKey", "400 invalid type or name, malformed bucket ID")
def test_create_key_errors(api, world):
    checks.error(api.post(f"/api/buckets/{world.a}/keys", {"name": "x", "type": "admin"}), 400, path=["body", "type"])
    checks.error(api.post(f"/api/buckets/{world.a}/keys", {"type": "read"}), 400, path=["body", "name"])
    checks.error(api.post(f"/api/buckets/{world.a}/keys", {"name": "", "type": "read"}), 400, path=["body", "name"])
    checks.error(api.post("/api/buckets/nothex/keys", {"name": "x", "type": "read"}), 400, "Invalid bucket ID format")


@case("createApiKey", "404 unknown bucket", decision="decision 1")
def test_create_key_missing_bucket(api):
    checks.error(api.post(f"/api/buckets/{MISSING}/keys", {"name": "x", "type": "read"}), 404, "Bucket not found")


@case("listApiKeys", "200 lists keys without the full key", safe=True)
def test_list_keys(api, world):
    keys = checks.ok(api.get(f"/api/buckets/{world.a}/keys"))["apiKeys"]
    ids = [k["_id"].lower() for k in keys]
    assert all(i.lower() in ids for i in world.key_ids), "the bucket's keys must be listed"
    assert world.deleted_key_id.lower() not in ids, "deleted keys must not be listed"
    for k in keys:
        assert "key" not in k, "the full key must never be returned after creation"
        assert {"_id", "name", "type", "keyPrefix", "bucketId", "createdAt", "lastUsedAt"} <= set(k)
        assert k["type"] in ("write", "read")


@case("listApiKeys", "lastUsedAt is null until used, then set", decision="decision 5")
def test_last_used(api, factory, world, request):
    k = factory.key(world.a, "read")

    def listed():
        return {x["_id"]: x for x in checks.ok(api.get(f"/api/buckets/{world.a}/keys"))["apiKeys"]}[k["_id"]]
    assert listed()["lastUsedAt"] is None
    checks.ok(api.get(f"/api/buckets/{world.a}/sources", key=k["key"]))
    checks.recent(listed()["lastUsedAt"], request.config.getoption("--clock-tolerance"))


@case("listApiKeys", "404 unknown bucket, 400 malformed ID", safe=True)
def test_list_keys_errors(api):
    checks.error(api.get(f"/api/buckets/{MISSING}/keys"), 404, "Bucket not found")
    checks.error(api.get("/api/buckets/123/keys"), 400, "Invalid bucket ID format")


@case("deleteApiKey", "200 deletes; the key gets 401 at once")
def test_delete_key(api, factory, world):
    k = factory.key(world.a, "write")
    body = checks.ok(api.delete(f"/api/buckets/{world.a}/keys/{k['_id']}"))
    assert body["message"] == "API key deleted successfully"
    assert body["deletedKey"]["_id"].lower() == k["_id"].lower()
    assert (body["deletedKey"]["name"], body["deletedKey"]["type"]) == (k["name"], "write")
    checks.unauthorized(api.get(f"/api/buckets/{world.a}/sources", key=k["key"]))


@case("deleteApiKey", "404 unknown key, or a key of another bucket")
def test_delete_key_errors(api, factory, world):
    checks.error(api.delete(f"/api/buckets/{world.a}/keys/{MISSING}"), 404, "API key not found")
    other = factory.key(world.b, "read")
    checks.error(api.delete(f"/api/buckets/{world.a}/keys/{other['_id']}"), 404, "API key not found")
    checks.ok(api.get(f"/api/buckets/{world.b}/sources", key=other["key"]))   # still works
    checks.error(api.delete(f"/api/buckets/{MISSING}/keys/{other['_id']}"), 404, "Bucket not found")


@case("deleteApiKey", "400 malformed key or bucket ID", decision="decision 19")
def test_delete_key_malformed(api, world):
    checks.error(api.delete(f"/api/buckets/{world.a}/keys/xyz"), 400, "Invalid API key ID format")
    checks.error(api.delete(f"/api/buckets/xyz/keys/{MISSING}"), 400, "Invalid bucket ID format")
