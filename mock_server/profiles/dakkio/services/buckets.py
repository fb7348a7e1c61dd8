"""Buckets: names unique per organisation; delete cascades (DESIGN decision 4)."""

from __future__ import annotations

from ....core.errors import Conflict
from ..model import Bucket, BucketStats, DeletedResources
from ..state import State
from . import alerts, api_keys, data_sources


def page(state: State, limit: int, offset: int) -> tuple[list[Bucket], int]:
    items = list(state.buckets.values())
    return items[offset: offset + limit], len(items)


def create(state: State, name: str, description: str | None, bucket_id: str | None = None) -> Bucket:
    if any(b.name == name for b in state.buckets.values()):
        raise Conflict("A bucket with this name already exists")
    now = state.now()
    new_id = state.ids.new_id()   # drawn even for a given id, so seeded ids do not depend on fixtures' ids
    bucket = Bucket((bucket_id or new_id).lower(), name, description, now, now)
    state.buckets[bucket.id] = bucket
    return bucket


def stats(state: State, bucket: Bucket) -> BucketStats:
    sources = data_sources.of_bucket(state, bucket.id)
    return BucketStats(len(sources), sum(s.series.n for s in sources), len(api_keys.of_bucket(state, bucket.id)))


def delete(state: State, bucket: Bucket) -> DeletedResources:
    sources = data_sources.of_bucket(state, bucket.id)
    keys = api_keys.of_bucket(state, bucket.id)
    rules = alerts.of_bucket(state, bucket.id)
    counts = DeletedResources(len(sources), sum(s.series.n for s in sources), len(keys), len(rules))
    for s in sources:
        del state.sources[s.id]
    for k in keys:
        api_keys.forget(state, k)
    for r in rules:
        del state.alerts[r.id]
    del state.buckets[bucket.id]
    return counts
