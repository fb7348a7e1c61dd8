"""The official ``mixpeek`` SDK (PyPI), unchanged, against ``dakkio-mock --api mixpeek``.

Real users reach Mixpeek through the SDK: if the mock's shapes drift from what the SDK
deserialises, this fails. Both SDK surfaces are driven over a real socket: the generated client
(typed models) through the whole bucket lifecycle, and the high-level client (plain dicts).
"""

from __future__ import annotations

import json
import uuid

import pytest

from .livemock import LiveMock

mixpeek = pytest.importorskip("mixpeek")   # a test extra; its import takes seconds (1,350 models)

from mixpeek import (  # noqa: E402
    ApiClient,
    BucketCreateRequest,
    BucketPatchRequest,
    BucketResponse,
    BucketsApi,
    Configuration,
    ErrorResponse,
    ListBucketsRequest,
    ListBucketsResponse,
    Mixpeek,
)
from mixpeek.exceptions import ApiException, ConflictException, ForbiddenException, NotFoundException  # noqa: E402

KEY = "sk_demo0000000000000000000000000000"
SCHEMA = {"properties": {"title": {"type": "string"}, "photo": {"type": "image"}}}


@pytest.fixture(scope="module")
def mock():
    m = LiveMock("--api", "mixpeek", "--seed", "4")
    yield m
    m.stop()


def buckets_api(url: str, key: str = KEY, namespace: str = "sdk") -> BucketsApi:
    return BucketsApi(ApiClient(Configuration(host=url, access_token=key, api_key={"NamespaceHeader": namespace})))


def test_generated_client_through_the_whole_lifecycle(mock):
    api = buckets_api(mock.url)
    name = f"sdk-{uuid.uuid4().hex[:8]}"
    created = api.create_bucket(BucketCreateRequest.from_dict(
        {"bucket_name": name, "description": "made by the SDK", "bucket_schema": SCHEMA, "metadata": {"team": "a"}}))
    assert isinstance(created, BucketResponse)
    bid = created.bucket_id
    assert bid.startswith("bkt_") and len(bid) == 16
    assert (created.bucket_name, created.description, created.metadata) == (name, "made by the SDK", {"team": "a"})
    assert (created.object_count, created.total_size_bytes) == (0, 0)
    assert created.bucket_schema.properties["photo"].type.value == "image"

    got = api.get_bucket(bid)
    assert (got.bucket_id, got.bucket_name, got.metadata) == (bid, name, {"team": "a"})
    assert api.get_bucket(name).bucket_id == bid                       # by name too

    for listed in (api.list_buckets(list_buckets_request=ListBucketsRequest(limit=100)), api.list_buckets_get()):
        assert isinstance(listed, ListBucketsResponse)
        assert [b.bucket_id for b in listed.results] == [bid]           # the namespace holds just this one
        assert listed.total_count == 1 and listed.pagination.total == 1 and listed.pagination.page == 1

    patched = api.patch_bucket(bid, BucketPatchRequest(description="patched", metadata={"team": "b"}))
    assert (patched.bucket_id, patched.bucket_name, patched.description) == (bid, name, "patched")
    got = api.get_bucket(bid)
    assert (got.description, got.metadata) == ("patched", {"team": "b"})

    with pytest.raises(ConflictException):
        api.create_bucket(BucketCreateRequest.from_dict({"bucket_name": name, "bucket_schema": SCHEMA}))

    deleted = api.delete_bucket(bid)
    assert deleted["status"] == "PENDING" and deleted["task_id"].startswith("task_")
    assert (deleted["bucket_id"], deleted["bucket_name"], deleted["object_count"]) == (bid, name, 0)

    with pytest.raises(NotFoundException) as caught:
        api.get_bucket(bid)
    err = caught.value
    assert isinstance(err, ApiException) and err.status == 404
    assert isinstance(err.data, ErrorResponse)       # the body parsed as Mixpeek's error model
    assert (err.data.status, err.data.success, err.data.error.type) == (404, False, "NotFoundError")
    assert json.loads(err.body)["error"]["message"]


def test_generated_client_unknown_key_is_forbidden(mock):
    with pytest.raises(ForbiddenException) as caught:
        buckets_api(mock.url, key="sk_unknown").list_buckets_get()
    assert caught.value.data.error.type == "UnauthorizedError"


def test_high_level_client_create_get_list_delete(mock):
    mp = Mixpeek(KEY, namespace="sdk-high-level", base_url=mock.url + "/v1")
    name = f"sdk-hl-{uuid.uuid4().hex[:8]}"
    created = mp.buckets.create(bucket_name=name, bucket_schema=SCHEMA)
    bid = created["bucket_id"]
    assert mp.buckets.get(bid)["bucket_name"] == name
    listed = mp.buckets.list()                        # POST /v1/buckets/list with an empty body
    assert [b["bucket_id"] for b in listed["results"]] == [bid] and listed["total_count"] == 1
    assert mp.buckets.delete(bid)["bucket_id"] == bid
    from mixpeek._client.client import MixpeekAPIError
    with pytest.raises(MixpeekAPIError) as caught:
        mp.buckets.get(bid)
    assert caught.value.status == 404 and caught.value.detail["error"]["type"] == "NotFoundError"
