"""Splitting a campaign across CI runners (``--shard i/n``) and merging the runners' reports."""

import json

import pytest

from contract_tests.fuzz import report, shards
from contract_tests.fuzz.campaign import parse_duration
from contract_tests.fuzz.events import OpStats

from .conftest import SPEC_PATH


@pytest.fixture(scope="module")
def ops():
    return shards.operations(shards.load_spec(str(SPEC_PATH)))


def test_operations_of_the_spec_sorted_by_label(ops):
    assert len(ops) == 16
    assert [o.label for o in ops] == sorted(o.label for o in ops)
    assert shards.Operation("POST /api/data", "POST", "/api/data", "ingestData") in ops


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 16, 20])
def test_shards_partition_the_operations_evenly(ops, n):
    parts = [shards.shard(ops, i, n) for i in range(1, n + 1)]
    flat = [o for p in parts for o in p]
    assert sorted(flat) == sorted(ops) and len(flat) == len(set(flat))      # each operation in exactly one shard
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1
    assert parts == [shards.shard(list(reversed(ops)), i, n) for i in range(1, n + 1)]   # order-independent


def test_parse_shard():
    assert shards.parse_shard("2/4") == (2, 4)
    assert shards.parse_shard(" 1 / 1 ") == (1, 1)
    for bad in ("0/4", "5/4", "4", "a/b", "1/0", ""):
        with pytest.raises(ValueError):
            shards.parse_shard(bad)


def test_select_by_operation_id_or_label(ops):
    picked = shards.select(ops, ["ingestData", "GET /api/buckets"])
    assert [o.label for o in picked] == ["GET /api/buckets", "POST /api/data"]
    assert shards.select(ops, None) == ops
    with pytest.raises(ValueError, match="nope"):
        shards.select(ops, ["nope"])


def test_parse_duration():
    assert parse_duration("10m") == 600
    assert parse_duration("90s") == 90
    assert parse_duration("1h30m") == 5400
    assert parse_duration("120") == 120
    for bad in ("ten minutes", "10x", ""):
        with pytest.raises(ValueError):
            parse_duration(bad)


def _shard_report(tmp_path, name, shard, ops, failures):
    d = tmp_path / name
    for f in failures:
        (d / f["dir"]).mkdir(parents=True)
        (d / f["dir"] / "cassette.yaml").write_text(f"from {name}\n")
    d.mkdir(exist_ok=True)
    campaign = {"base_url": "http://t", "spec": "s", "seed": 1, "duration_s": 60, "elapsed_s": 61.0, "workers": 1,
                "shard": shard, "operations": list(ops)}
    report.write(d, campaign, {k: OpStats.from_dict(v) for k, v in ops.items()}, failures, [])
    return d


def _failure(fid, op, at, count=1):
    return {"id": fid, "operation": op, "check": "not_a_server_error", "status": 500, "title": "Server error",
            "message": "", "signature": "s", "first_found_s": at, "count": count, "dir": f"failures/{fid}", "curl": "curl x"}


def test_merge_adds_coverage_and_deduplicates_failures(tmp_path, capsys):
    a = _shard_report(tmp_path, "a", "1/2", {"GET /x": {"cases": 10, "statuses": {"2xx": 7, "4xx": 3}}},
                      [_failure("f1", "GET /x", 30.0), _failure("f2", "GET /x", 5.0, count=2)])
    b = _shard_report(tmp_path, "b", "2/2", {"POST /y": {"cases": 4, "statuses": {"5xx": 1, "2xx": 3}},
                                              "GET /x": {"cases": 1, "statuses": {"2xx": 1}}},
                      [_failure("f1", "GET /x", 12.0)])
    out = tmp_path / "merged"
    assert report.merge_main([str(a), str(b), "--out", str(out)]) == 1
    doc = json.loads((out / "report.json").read_text())
    assert [f["id"] for f in doc["failures"]] == ["f2", "f1"]               # ordered by first find
    f1 = doc["failures"][1]
    assert f1["first_found_s"] == 12.0 and f1["count"] == 2                 # the earliest kept, hits added
    assert (out / "failures" / "f1" / "cassette.yaml").read_text() == "from b\n"
    assert doc["coverage"]["GET /x"] == {"cases": 11, "statuses": {"2xx": 8, "4xx": 3}}
    assert doc["campaign"]["operations"] == ["GET /x", "POST /y"]
    assert [p["shard"] for p in doc["campaign"]["merged_from"]] == ["1/2", "2/2"]
    assert "2 unique failure(s)" in capsys.readouterr().out
    assert "| GET /x" in (out / "summary.md").read_text()


def test_merge_without_failures_exits_0_and_missing_reports_exit_2(tmp_path):
    a = _shard_report(tmp_path, "a", "1/1", {"GET /x": {"cases": 3, "statuses": {"2xx": 3}}}, [])
    assert report.merge_main([str(a), "--out", str(tmp_path / "m")]) == 0
    assert report.merge_main([str(a), str(tmp_path / "nothing"), "--out", str(tmp_path / "m2")]) == 2
