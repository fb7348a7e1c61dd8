"""Unit tests of who may do what (services.access) and of seeded ids and keys (no HTTP)."""

import pytest

from mock_server.core.errors import Forbidden, NotFound, Unauthenticated
from mock_server.profiles.dakkio.services import access, api_keys, buckets
from mock_server.profiles.dakkio.state import State

from .dakkio_support import clock_fixture, state_fixture  # noqa: F401  (fixtures)


def test_ids_and_keys_are_deterministic_with_a_seed():
    a, b = State(seed=9), State(seed=9)
    assert [a.ids.new_id() for _ in range(3)] == [b.ids.new_id() for _ in range(3)]
    assert a.ids.new_key("write") == b.ids.new_key("write")
    assert State(seed=10).ids.new_id() != State(seed=9).ids.new_id()


def test_key_format_and_prefix(state):
    b = buckets.create(state, "b", None)
    k = api_keys.add(state, "write", "k", b.id)
    assert k.key.startswith("dakkio_w_") and len(k.key) == 49 and k.key[9:].isalnum() and k.key[9:].islower()
    assert k.prefix == k.key[:13] + "..."
    assert api_keys.add(state, "read", "r", b.id).key.startswith("dakkio_r_")


def test_authenticate_unknown_key_is_401_and_use_updates_last_used(state, clock):
    with pytest.raises(Unauthenticated):
        access.authenticate(state, "dakkio_a_nope")
    with pytest.raises(Unauthenticated):
        access.authenticate(state, None)
    assert state.admin.last_used_at is None
    clock.t += 5000
    assert access.authenticate(state, state.admin.key) is state.admin
    assert state.admin.last_used_at == clock.t


def test_scope_check_comes_before_existence(state):
    b = buckets.create(state, "b", None)
    w = api_keys.add(state, "write", "w", b.id)
    with pytest.raises(Forbidden):
        access.bucket_for(state, w, "aaaaaaaaaaaaaaaaaaaaaaaa")   # another (missing) bucket: 403, not 404
    with pytest.raises(NotFound):
        access.bucket_for(state, state.admin, "aaaaaaaaaaaaaaaaaaaaaaaa")
    assert access.bucket_for(state, w, b.id.upper()) is b        # hex is case-insensitive
