"""Shared helpers of the Dakkio service tests (no HTTP): a settable clock, a state with an admin key.

Test modules import what they use. The fixtures are registered as ``clock`` and ``state`` under other
attribute names, so importing them (``from .dakkio_support import clock_fixture, state_fixture``) does
not shadow the test functions' parameters.
"""

import pytest

from mock_server.core import timeutil
from mock_server.profiles.dakkio import views
from mock_server.profiles.dakkio.services import api_keys, data, data_sources
from mock_server.profiles.dakkio.state import State

T0 = timeutil.parse("2024-01-15T10:00:00Z")


class Clock:
    def __init__(self, t=T0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture(name="clock")
def clock_fixture():
    return Clock()


@pytest.fixture(name="state")
def state_fixture(clock):
    s = State(seed=3, clock=clock)
    s.admin = api_keys.add(s, "admin", "admin", None)
    return s


def _source(state, bucket, schema=None, downsampling=True):
    return data_sources.create(state, bucket, "s", "sensor", None, schema or {"t": {"type": "number"}}, downsampling)


def _pt(src, ts="2024-01-15T10:00:00Z", **values):
    return {"dataSourceId": src.id, "timestamp": ts, "values": values or {"t": 1}}


def _query(state, bucket, source_id=None, start=None, end=None, limit=10, offset=0, aggregation=None,
           group_by=None):
    """``data.query`` with the wire rows of ``POST /api/data/query``."""
    return data.query(state, bucket, source_id, start, end, limit, offset, aggregation, group_by,
                      views.point_rows(state), views.aggregated_row)
