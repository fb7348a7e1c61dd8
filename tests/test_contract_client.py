"""The suite's HTTP client honours the target's rate limits instead of failing."""

import pytest

from contract_tests.client import Api

from .conftest import ADMIN
from .livemock import LiveMock


@pytest.fixture(scope="module")
def limited():
    m = LiveMock("--seed", "2", "--rate-limit", "3/second")
    yield m
    m.stop()


def test_client_waits_on_429_and_retries(limited):
    api = Api(limited.url, ADMIN)
    statuses = [api.get("/api/buckets").status_code for _ in range(8)]
    assert statuses == [200] * 8
    assert api.rate_limited_waits >= 1
    assert any(e.status == 429 for e in api.recorder.exchanges)


def test_client_gives_up_after_its_retries(limited):
    api = Api(limited.url, ADMIN)
    for _ in range(4):
        api.get("/api/buckets", retries=0)
    assert api.get("/api/buckets", retries=0).status_code == 429
