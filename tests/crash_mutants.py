"""Crash mutants: variants of the mock that answer 500 only on inputs deep in the input space.

The mutants of ``tests/mutants.py`` break a documented behaviour that a hand-written case or a
boundary value reaches. These crash instead, and only on values no boundary list or documented
example contains: a string length range, a numeric band away from the limits, a combination of
two fields, a Unicode category, a nesting depth, a pattern inside a long batch. Most sit behind
the "does it exist" gate (a real bucket and data source), so a case must also pass the 404s to
reach them. The quick profile misses each; a fuzz campaign (``dakkio-contract fuzz``) of at most
two minutes finds each (``tests/test_contract_fuzz.py``, ``bench/fuzz_campaigns.py``).

Each patches one named seam of the Dakkio profile (a service or a view) in the same style as
``tests/mutants.py``; ``trigger`` is an input that crashes it (the reproducer the tests expect).
Serve one with ``python -m tests.crash_mutants NAME --port P``; ``control`` is the correct mock.
"""

from __future__ import annotations

import argparse
import unicodedata
from dataclasses import dataclass

from mock_server.profiles.dakkio import views
from mock_server.profiles.dakkio.services import alerts, buckets, data, ingest

from .mutants import Mutant


@dataclass
class CrashMutant(Mutant):
    operations: tuple = ()     # operationIds of the operations that crash
    trigger: str = ""          # in words: the inputs that crash it


CRASH_MUTANTS: dict[str, CrashMutant] = {}


def crash(name, operations, kind, description, trigger):
    def register(before):
        ops = (operations,) if isinstance(operations, str) else tuple(operations)
        CRASH_MUTANTS[name] = CrashMutant(name, "crash", kind, description, before, None, ops, trigger)
        return before
    return register


CRASH_MUTANTS["control"] = CrashMutant("control", "-", "-", "the unmutated mock", None, None, (), "")


class MockCrash(RuntimeError):
    """What every crash mutant raises: the mock answers it with its documented 500."""


def depth(node) -> int:
    """Containers nested in ``node`` (a scalar is 0, ``{}`` is 1, ``{"a": []}`` is 2)."""
    if isinstance(node, dict):
        return 1 + max((depth(v) for v in node.values()), default=0)
    if isinstance(node, list):
        return 1 + max((depth(v) for v in node), default=0)
    return 0


# ------------------------------------------------------------------ the six crashes

@crash("crash-page-size-band", "listBuckets", "numeric band",
       "a page size between 613 and 640 overflows the page buffer",
       "GET /api/buckets?limit=N with 613 <= N <= 640 (limits 1..1000; default 100)")
def _page_band(_):
    original = buckets.page

    def page(state, limit, offset):
        if 613 <= limit <= 640:
            raise MockCrash(f"page buffer overflow at limit={limit}")
        return original(state, limit, offset)
    buckets.page = page


@crash("crash-reading-length", "ingestData", "string length range",
       "the ingest response view breaks on a string reading of 12-19 characters",
       "POST /api/data (real bucket and source) whose values hold a string of 12..19 characters")
def _reading_length(_):
    original = views.ingested_point

    def ingested_point(state, bucket, body, stored):
        for value in body["values"].values():
            if isinstance(value, str) and 12 <= len(value) <= 19:
                raise MockCrash(f"short-string column overflow ({len(value)} characters)")
        return original(state, bucket, body, stored)
    views.ingested_point = ingested_point


@crash("crash-query-extreme-one-source", "queryData", "field combination",
       "min or max aggregation over one named data source divides by zero",
       "POST /api/data/query with aggregation min or max (any groupBy) and a dataSourceId of the bucket")
def _extreme_one_source(_):
    original = data.query

    def query(state, bucket, source_id, start, end, limit, offset, aggregation, group_by, point_row, agg_row):
        result = original(state, bucket, source_id, start, end, limit, offset, aggregation, group_by,
                          point_row, agg_row)     # the bucket and source exist: past every 404
        if source_id is not None and aggregation in ("min", "max"):
            raise MockCrash(f"{aggregation} over a single source: division by zero")
        return result
    data.query = query


@crash("crash-alert-name-symbol", "createAlertRule", "unicode category",
       "a non-ASCII symbol (Unicode S*: currency, math, modifier, other) in a rule name breaks the "
       "notification template",
       "POST /api/alerts (real bucket and source) whose name holds a non-ASCII symbol, e.g. '€', '±', '˚' or '©'")
def _symbol(_):
    original = alerts.create

    def create(state, bucket, source_id, name, condition, webhook_url, cooldown, rule_id=None):
        alerts.access.source_in(state, bucket, source_id)    # the documented 404 comes first
        if any(ord(ch) > 127 and unicodedata.category(ch).startswith("S") for ch in name):
            raise MockCrash("template encoding error on a symbol")
        return original(state, bucket, source_id, name, condition, webhook_url, cooldown, rule_id)
    alerts.create = create


@crash("crash-metadata-depth", ("ingestData", "batchIngestData"), "deep nesting",
       "metadata nested four or more levels deep overflows the flattener",
       "POST /api/data or /api/data/batch (real bucket and source) with metadata nested >= 4 levels")
def _metadata_depth(_):
    original = ingest.ingest

    def ingest_(state, bucket, points):
        result = original(state, bucket, points)
        if any(depth(p.get("metadata")) >= 4 for p in points):
            raise MockCrash("metadata flattener: recursion depth exceeded")
        return result
    ingest.ingest = ingest_


@crash("crash-batch-timestamp-gap", "batchIngestData", "long batch pattern",
       "in a batch of 10 or more points, a point without a timestamp after one with a timestamp "
       "reads past the end of the timestamp column",
       "POST /api/data/batch (real bucket and source) of >= 10 points where a point with no timestamp "
       "follows a point with one")
def _batch_gap(_):
    original = ingest.ingest

    def ingest_(state, bucket, points):
        result = original(state, bucket, points)     # every point valid, its source in the bucket
        if len(points) >= 10:
            has = ["timestamp" in p for p in points]
            if any(a and not b for a, b in zip(has, has[1:], strict=False)):
                raise MockCrash("timestamp column index out of range")
        return result
    ingest.ingest = ingest_


# ------------------------------------------------------------------ serving one

def build(name: str):
    m = CRASH_MUTANTS[name]
    if m.before:
        m.before(None)
    from mock_server.core.app import create_app

    return create_app("dakkio", "default", seed=1)


def main(argv=None):
    p = argparse.ArgumentParser(description="Serve one crash mutant of the mock (or 'control').")
    p.add_argument("name", choices=sorted(CRASH_MUTANTS))
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args(argv)
    import uvicorn

    uvicorn.run(build(args.name), host="127.0.0.1", port=args.port, log_level="error", access_log=False)


if __name__ == "__main__":
    main()
