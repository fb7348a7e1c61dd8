"""Creates the run's resources through the API and deletes all of them at the end."""

from __future__ import annotations

import itertools


class SetupFailed(AssertionError):
    pass


class Factory:
    def __init__(self, api, prefix: str):
        self.api = api
        self.prefix = prefix
        self._n = itertools.count(1)

    def _ok(self, r, status):
        if r.status_code != status:
            raise SetupFailed(f"setup request failed: {r.request.method} {r.url} -> {r.status_code} {r.text[:500]}")
        return r.json()

    def name(self, what="b") -> str:
        return f"{self.prefix}{what}{next(self._n)}"

    def bucket(self, name=None, description="created by the Dakkio contract suite") -> str:
        r = self.api.post("/api/buckets", {"name": name or self.name(), "description": description})
        return self._ok(r, 201)["bucket"]["_id"]

    def key(self, bucket, kind, name=None) -> dict:
        r = self.api.post(f"/api/buckets/{bucket}/keys", {"name": name or self.name("k"), "type": kind})
        return self._ok(r, 201)["apiKey"]

    def use(self, bucket, key: dict) -> None:
        """One request with ``key`` (every key type may list its bucket's data sources)."""
        self._ok(self.api.get(f"/api/buckets/{bucket}/sources", key=key["key"]), 200)

    def delete_key(self, bucket, key: dict) -> None:
        self._ok(self.api.delete(f"/api/buckets/{bucket}/keys/{key['_id']}"), 200)

    def source(self, bucket, schema, downsampling=True, key=None) -> str:
        r = self.api.post(f"/api/buckets/{bucket}/sources",
                          {"name": self.name("s"), "schema": schema, "downsampling": downsampling}, key=key)
        return self._ok(r, 201)["dataSource"]["_id"]

    def batch(self, bucket, points, key=None) -> None:
        for i in range(0, len(points), 1000):
            self._ok(self.api.post("/api/data/batch", {"bucketId": bucket, "dataPoints": points[i:i + 1000]}, key=key), 201)

    def own_buckets(self) -> list[dict]:
        found, offset = [], 0
        while True:
            r = self.api.get("/api/buckets", params={"limit": 1000, "offset": offset})
            if r.status_code != 200:
                return found
            page = r.json()
            found += [b for b in page["buckets"] if b["name"].startswith(self.prefix)]
            if not page["pagination"]["hasMore"] or not page["buckets"]:
                return found
            offset += len(page["buckets"])

    def cleanup(self) -> int:
        """Delete every bucket carrying this run's prefix (keys, sources, points, rules go with them)."""
        n = 0
        for b in self.own_buckets():
            if self.api.delete(f"/api/buckets/{b['_id']}").status_code == 200:
                n += 1
        return n
