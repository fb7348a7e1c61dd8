"""Unit tests of the call quota (services.quota via access.authenticate) and its headers (no HTTP)."""

import pytest

from mock_server.core import timeutil
from mock_server.core.errors import TooManyRequests, Unauthenticated
from mock_server.profiles.dakkio import views
from mock_server.profiles.dakkio.services import access, quota
from mock_server.profiles.dakkio.services.quota import Quota

from .dakkio_support import clock_fixture, state_fixture  # noqa: F401  (fixtures)


def _rate_limit_headers(state) -> dict:
    return views.rate_limit_headers(quota.status(state.quota, state.now()))


def test_quota_counts_authenticated_calls_and_resets(state, clock):
    state.quota = Quota(limit=2, window="minute")
    access.authenticate(state, state.admin.key)
    access.authenticate(state, state.admin.key)
    with pytest.raises(Unauthenticated):
        access.authenticate(state, "bad")                # unauthenticated calls do not count
    assert _rate_limit_headers(state)["X-RateLimit-Remaining"] == "0"
    with pytest.raises(TooManyRequests) as exc:
        access.authenticate(state, state.admin.key)
    assert exc.value.message == "Rate limit exceeded. Resets at 2024-01-15T10:01:00Z"
    assert isinstance(exc.value, quota.QuotaExceeded) and exc.value.retry_after == 60   # the Retry-After header
    clock.t += 60_000
    access.authenticate(state, state.admin.key)
    h = _rate_limit_headers(state)
    assert h == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": str((clock.t + 60_000) // 1000)}


def test_monthly_quota_resets_on_the_first(state, clock):
    clock.t = timeutil.parse("2024-12-31T23:00:00Z")
    assert _rate_limit_headers(state)["X-RateLimit-Reset"] == str(timeutil.parse("2025-01-01T00:00:00Z") // 1000)
