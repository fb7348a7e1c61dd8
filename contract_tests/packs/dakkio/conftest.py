"""The Dakkio pack's fixtures: the run's own buckets, keys and data sources (the pack assumes no
existing state), deleted at the end of the run."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .factory import Factory


@dataclass
class World:
    """Two buckets with write and read keys and data sources, created by this run."""

    a: str
    b: str
    write_a: str
    read_a: str
    write_b: str
    read_b: str
    deleted_key: str
    deleted_key_id: str
    key_ids: tuple
    source_a: str       # temperature/humidity numbers, status string, downsampling on
    source_b: str
    deleted_write: str  # a write key of bucket A, deleted (``deleted_key`` is a read key)


@pytest.fixture(scope="session")
def factory(api, prefix, request):
    f = Factory(api, prefix)
    yield f
    if not request.config.getoption("--read-only"):
        f.cleanup()


@pytest.fixture(scope="session")
def world(factory, request) -> World:
    if request.config.getoption("--read-only"):
        pytest.skip("--read-only: the suite creates no resources")
    a, b = factory.bucket(), factory.bucket()
    wa, ra = factory.key(a, "write"), factory.key(a, "read")
    wb, rb = factory.key(b, "write"), factory.key(b, "read")
    doomed, doomed_write = factory.key(a, "read"), factory.key(a, "write")
    for k in (doomed, doomed_write):        # used before it goes: a server caching keys must forget it
        factory.use(a, k)
        factory.delete_key(a, k)
    sa = factory.source(a, {"temperature": {"type": "number", "unit": "celsius"},
                            "humidity": {"type": "number"}, "status": {"type": "string"}})
    sb = factory.source(b, {"temperature": {"type": "number"}})
    return World(a, b, wa["key"], ra["key"], wb["key"], rb["key"], doomed["key"], doomed["_id"],
                 (wa["_id"], ra["_id"]), sa, sb, doomed_write["key"])
