"""The campaign's hooks aim generated cases at the world it created (``contract_tests/fuzz/hooks.py``)."""

import json
from types import SimpleNamespace

import pytest

B, S = "65a0000000000000000000aa", "65a0000000000000000000bb"


@pytest.fixture()
def hooks(tmp_path, monkeypatch):
    world = {"variables": {"bucketId": B, "dataSourceId": S}, "id_pattern": "^[0-9a-fA-F]{24}$",
             "absent_id": "0" * 23 + "1",
             "pools": {"path": {"id": [B], "bucketId": [B]}, "body": {"bucketId": [B], "dataSourceId": [S]}}}
    (tmp_path / "world.json").write_text(json.dumps(world))
    monkeypatch.setenv("DAKKIO_FUZZ_WORLD", str(tmp_path / "world.json"))
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    from contract_tests import st_hooks
    from contract_tests.fuzz import hooks as module

    monkeypatch.setattr(module, "_world", None)
    monkeypatch.setattr(module, "_seen", set())
    yield module
    for hooks_of_name in list(GLOBAL_HOOK_DISPATCHER.get_all().values()):   # keep this process's Schemathesis as it was
        for fn in list(hooks_of_name):
            if getattr(fn, "__module__", "") in (module.__name__, st_hooks.__name__):
                GLOBAL_HOOK_DISPATCHER.unregister(fn)


def case(method="POST", path="/api/data", params=None, body=None, query=None):
    return SimpleNamespace(method=method, path=path, path_parameters=params or {}, query=query or {}, body=body,
                           meta=None)


def ingest(i):
    return case(body={"bucketId": f"{i:024x}", "dataSourceId": f"{i + 1:024x}", "values": {"t": i},
                      "dataPoints": [{"dataSourceId": f"{i + 2:024x}"}]})


def test_four_cases_in_five_get_the_world_consistently(hooks):
    cases = [ingest(i) for i in range(1, 501)]
    done = [hooks.substitute(c) for c in cases]
    assert 0.72 < sum(done) / len(done) < 0.88
    for i, (c, d) in enumerate(zip(cases, done, strict=True), 1):
        ids = (c.body["bucketId"], c.body["dataSourceId"], c.body["dataPoints"][0]["dataSourceId"])
        assert ids == ((B, S, S) if d else (f"{i:024x}", f"{i + 1:024x}", f"{i + 2:024x}"))   # all or nothing
    again = [ingest(i) for i in range(1, 501)]
    assert [hooks.substitute(c) for c in again] == done                 # a function of the case


def test_path_ids_malformed_values_and_stateful_links(hooks):
    c = case("GET", "/api/buckets/{id}", params={"id": "5" * 24})
    while not hooks.substitute(c):                                      # the draw: find a case that takes it
        c = case("GET", "/api/buckets/{id}", params={"id": f"{int(c.path_parameters['id'], 16) + 1:024x}"})
    assert c.path_parameters == {"id": B}
    bad = case(body={"bucketId": "not-an-id", "values": {}})
    assert not hooks.substitute(bad) and bad.body["bucketId"] == "not-an-id"   # negative data stays negative
    hooks._seen.add("7" * 24)
    linked = case("GET", "/api/buckets/{id}", params={"id": "7" * 24})
    assert not hooks.substitute(linked, "stateful") and linked.path_parameters["id"] == "7" * 24


def test_deletes_never_reach_the_world(hooks):
    c = case("DELETE", "/api/buckets/{id}", params={"id": B.upper()})
    assert not hooks.substitute(c)
    assert c.path_parameters["id"] == "0" * 23 + "1"
    other = case("DELETE", "/api/buckets/{id}", params={"id": "9" * 24})
    hooks.substitute(other)
    assert other.path_parameters["id"] == "9" * 24


def test_without_a_world_nothing_changes(hooks, monkeypatch):
    monkeypatch.delenv("DAKKIO_FUZZ_WORLD")
    monkeypatch.setattr(hooks, "_world", None)
    c = ingest(3)
    assert not hooks.substitute(c) and c.body["bucketId"] == f"{3:024x}"
