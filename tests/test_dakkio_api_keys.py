"""Unit tests of bucket API keys (services.api_keys) (no HTTP)."""

import pytest

from mock_server.core.errors import NotFound, Unauthenticated
from mock_server.profiles.dakkio.services import access, api_keys, buckets

from .dakkio_support import clock_fixture, state_fixture  # noqa: F401  (fixtures)


def test_delete_key_only_within_its_bucket(state):
    b, c = buckets.create(state, "b", None), buckets.create(state, "c", None)
    k = api_keys.add(state, "read", "r", b.id)
    with pytest.raises(NotFound):
        api_keys.delete(state, c, k.id)
    assert api_keys.delete(state, b, k.id) is k
    with pytest.raises(Unauthenticated):
        access.authenticate(state, k.key)
    with pytest.raises(NotFound):
        api_keys.delete(state, b, k.id)
