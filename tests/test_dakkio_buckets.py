"""Unit tests of buckets (services.buckets): unique names, paging, stats and the delete cascade (no HTTP)."""

import pytest

from mock_server.core.errors import Conflict, Unauthenticated
from mock_server.profiles.dakkio import views
from mock_server.profiles.dakkio.model import BucketStats, DeletedResources
from mock_server.profiles.dakkio.services import access, alerts, api_keys, buckets, ingest

from .dakkio_support import _pt, _source, clock_fixture, state_fixture  # noqa: F401  (fixtures)


def test_bucket_names_unique_case_sensitive_not_trimmed(state):
    buckets.create(state, "Home", None)
    with pytest.raises(Conflict):
        buckets.create(state, "Home", "other")
    buckets.create(state, "home", None)
    buckets.create(state, " Home", None)
    assert len(state.buckets) == 3


def test_list_buckets_pages_in_creation_order(state):
    names = [f"b{i}" for i in range(7)]
    for n in names:
        buckets.create(state, n, None)
    page, total = buckets.page(state, 3, 5)
    assert total == 7 and [b.name for b in page] == ["b5", "b6"]


def test_stats_and_delete_cascade_with_true_counts(state):
    b = buckets.create(state, "b", None)
    other = buckets.create(state, "other", None)
    w = api_keys.add(state, "write", "w", b.id)
    api_keys.add(state, "read", "r", b.id)
    s1, s2 = _source(state, b), _source(state, b)
    _source(state, other)
    ingest.ingest(state, b, [_pt(s1), _pt(s1, "2024-01-15T10:01:00Z"), _pt(s2)])
    alerts.create(state, b, s1.id, "a", "t is greater than 5", "https://x.test/h", 5)
    assert buckets.stats(state, b) == BucketStats(data_sources=2, data_points=3, api_keys=2)
    assert views.bucket_full(state, b, stats=True)["stats"] == {
        "dataSourceCount": 2, "dataPointCount": 3, "apiKeyCount": 2}
    counts = buckets.delete(state, b)
    assert counts == DeletedResources(data_sources=2, data_points=3, api_keys=2, alert_rules=1)
    assert views.deleted_resources(counts) == {"dataSources": 2, "dataPoints": 3, "apiKeys": 2, "alertRules": 1}
    with pytest.raises(Unauthenticated):
        access.authenticate(state, w.key)                # keys of a deleted bucket stop at once
    assert buckets.stats(state, other).data_sources == 1
