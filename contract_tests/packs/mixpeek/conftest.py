"""The Mixpeek pack's fixtures: a client with the run's key, namespaces of the run's own (the pack
assumes no existing state), and cleanup of everything it created, even when tests fail."""

from __future__ import annotations

import itertools

import pytest

from .client import Mixpeek

SEED_BODY = {   # the seed's own curl example, literally (it sends `schema`, not `bucket_schema`)
    "bucket_name": "user_profiles", "description": "Bucket for storing user profile information",
    "metadata": {"created_by": "admin", "department": "HR"},
    "schema": {"properties": {"user_picture": {"type": "image"},
                              "documents": {"items": {"type": "pdf"}, "type": "array"}}}}


@pytest.fixture(scope="session")
def run_ns(run_id) -> str:
    """The run's namespace: nothing else lives there."""
    return f"ctr-{run_id}"


@pytest.fixture(scope="session")
def mixpeek(target, recorder, run_ns, request):
    if not target.bearer:
        pytest.exit("the Mixpeek pack needs a key: --bearer KEY", returncode=4)
    client = Mixpeek(target.base_url, target.bearer, recorder, run_ns)
    yield client
    if not request.config.getoption("--read-only"):
        left = client.cleanup()
        if left:
            print(f"\nMixpeek pack: could not delete {len(left)} bucket(s): {left[:5]}")


@pytest.fixture(scope="session")
def _namespaces(run_ns):
    return (f"{run_ns}-{n}" for n in itertools.count(1))


@pytest.fixture
def fresh_ns(_namespaces, mixpeek, request):
    """A namespace no bucket has been created in (for exact counts and pages); the client uses it."""
    if request.config.getoption("--read-only"):
        pytest.skip("--read-only: the pack creates no buckets")
    ns = next(_namespaces)
    mixpeek.namespace = ns
    yield ns
    mixpeek.namespace = request.getfixturevalue("run_ns")


@pytest.fixture
def other_ns(_namespaces) -> str:
    """A second namespace of this run."""
    return next(_namespaces)


@pytest.fixture
def names(run_id):
    """Bucket names unique to this run (for the namespaces the run does not own, e.g. ``default``)."""
    counter = itertools.count(1)
    return lambda what="b": f"ctr-{run_id}-{what}{next(counter)}"


@pytest.fixture
def create(mixpeek):
    """Create a bucket (``bucket_schema`` form) in the client's namespace or ``ns``; its 200 body."""
    def make(name: str, schema: dict | None = None, *, ns=None, path="/v1/buckets", **fields) -> dict:
        kw = {} if ns is None else {"ns": ns}
        body = {"bucket_name": name, "bucket_schema": schema if schema is not None else {"properties": {}}, **fields}
        r = mixpeek.post(path, body, **kw)
        assert r.status_code == 200, f"setup: create {name!r}: {r.status_code} {r.text[:300]}"
        return r.json()
    return make
