"""Deliberately broken variants of the mock, one realistic defect each (the contract suite must catch all).

Each mutant is a small, explicit patch registered here: ``before`` runs before the app is
built (patching store, engine, handler or contract behaviour), ``wrap`` wraps the finished
ASGI app (rewriting responses). Run one with ``python -m tests.mutants NAME --port P``;
``control`` is the unmutated mock served the same way.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from mock_server import DEFAULT_FIXTURES, engine, store, timeutil, validation
from mock_server.handlers import data_sources as ds_handlers


@dataclass
class Mutant:
    name: str
    resource: str
    kind: str
    description: str
    before: Callable | None = None
    wrap: Callable | None = None


MUTANTS: dict[str, Mutant] = {}


def mutant(name, resource, kind, description, *, wrap=None):
    def register(before):
        MUTANTS[name] = Mutant(name, resource, kind, description, before, wrap)
        return before
    return register


def rewrite(method: str, path: str, fn):
    """An ASGI wrapper applying ``fn(status, headers, body_bytes) -> (status, headers, body_bytes)``."""
    pattern = re.compile(path)

    def wrap(app):
        async def wrapped(scope, receive, send):
            if scope["type"] != "http" or scope["method"] != method or not pattern.fullmatch(scope["path"]):
                return await app(scope, receive, send)
            start, chunks = {}, []

            async def capture(message):
                if message["type"] == "http.response.start":
                    start.update(message)
                else:
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body"):
                        status, headers, body = fn(start["status"], dict(start["headers"]), b"".join(chunks))
                        headers[b"content-length"] = str(len(body)).encode()
                        await send({"type": "http.response.start", "status": status, "headers": list(headers.items())})
                        await send({"type": "http.response.body", "body": body})
            await app(scope, receive, capture)
        wrapped.mock = app.mock
        return wrapped
    return wrap


def json_edit(edit, status_filter=None):
    def fn(status, headers, body):
        if status_filter and status not in status_filter:
            return status, headers, body
        doc = json.loads(body)
        result = edit(doc)
        new_status = status
        if isinstance(result, tuple):
            doc, new_status = result
        return new_status, headers, json.dumps(doc).encode()
    return fn


def none(_app):
    return None


# ------------------------------------------------------------------ buckets

MUTANTS["control"] = Mutant("control", "-", "-", "the unmutated mock", None, None)

mutant("bucket-create-200", "buckets", "wrong status", "create bucket answers 200 instead of 201",
       wrap=rewrite("POST", "/api/buckets", lambda s, h, b: (200 if s == 201 else s, h, b)))(none)

def _no_has_more(d):
    d["pagination"].pop("hasMore")
    return d


mutant("bucket-list-no-hasMore", "buckets", "missing field", "list pagination lacks hasMore",
       wrap=rewrite("GET", "/api/buckets", json_edit(_no_has_more, {200})))(none)


def _stats_as_string(d):
    d["bucket"]["stats"]["dataPointCount"] = str(d["bucket"]["stats"]["dataPointCount"])
    return d


mutant("bucket-stats-string", "buckets", "mistyped field", "stats.dataPointCount is a string",
       wrap=rewrite("GET", "/api/buckets/[^/]+", json_edit(_stats_as_string, {200})))(none)


@mutant("bucket-duplicate-names", "buckets", "state bug", "duplicate bucket names are accepted")
def _dup(_):
    def create_bucket(self, name, description):
        now = self.now()
        b = store.Bucket(self.new_id(), name, description, now, now)
        self.buckets[b.id] = b
        return b
    store.Store.create_bucket = create_bucket


@mutant("bucket-name-101", "buckets", "validation gap", "names over 100 characters are accepted")
def _long(_):
    original = validation.problems
    validation.problems = lambda err, loc: [] if err.validator == "maxLength" else original(err, loc)


@mutant("bucket-delete-keeps-keys", "buckets", "state bug", "deleting a bucket leaves its keys working")
def _keep_keys(_):
    original = store.Store.delete_bucket

    def delete_bucket(self, bucket):
        keys = self.keys_of(bucket.id)
        counts = original(self, bucket)
        for k in keys:
            self.keys[k.key], self.key_ids[k.id] = k, k
        return counts
    store.Store.delete_bucket = delete_bucket


@mutant("bucket-delete-miscount", "buckets", "state bug", "deletedResources.dataPoints is off by one")
def _miscount(_):
    original = store.Store.delete_bucket

    def delete_bucket(self, bucket):
        counts = original(self, bucket)
        counts["dataPoints"] = max(0, counts["dataPoints"] - 1)
        return counts
    store.Store.delete_bucket = delete_bucket


# ------------------------------------------------------------------ keys and auth

def _key_types(op, types):
    def patch(_):
        from mock_server import spec as spec_mod
        original = spec_mod.Contract.__init__

        def init(self, *a, **kw):
            original(self, *a, **kw)
            self.by_id[op].key_types = tuple(types)
        spec_mod.Contract.__init__ = init
    return patch


mutant("write-key-creates-buckets", "api_keys", "auth hole", "a write key may create buckets")(
    _key_types("createBucket", ["admin", "write"]))
mutant("read-key-ingests", "data", "auth hole", "a read key may ingest data")(
    _key_types("ingestData", ["admin", "write", "read"]))
mutant("overview-any-key", "analytics", "auth hole", "any key may read the organisation overview")(
    _key_types("getAnalyticsOverview", ["admin", "write", "read"]))


@mutant("deleted-key-works", "api_keys", "auth hole", "a deleted key keeps working")
def _undead(_):
    def delete_key(self, bucket, key_id):
        key = self.key_ids.get(key_id.lower())
        if key is None or key.bucket_id != bucket.id:
            raise store.NotFound(store.KEY_NOT_FOUND)
        self.key_ids.pop(key.id)
        return key
    store.Store.delete_key = delete_key


def _leak_keys(d):
    for k in d["apiKeys"]:
        k["key"] = k["keyPrefix"].replace("...", "0" * 36)
    return d


mutant("key-list-leaks-key", "api_keys", "security leak", "listing keys returns the full key",
       wrap=rewrite("GET", "/api/buckets/[^/]+/keys", json_edit(_leak_keys, {200})))(none)


@mutant("scope-hole", "data_sources", "scope hole", "bucket-scoped keys reach other buckets")
def _scope(_):
    def bucket_for(self, principal, bucket_id):
        b = self.buckets.get(bucket_id.lower())
        if b is None:
            raise store.NotFound(store.BUCKET_NOT_FOUND)
        return b
    store.Store.bucket_for = bucket_for


@mutant("source-downsampling-default-off", "data_sources", "wrong default", "downsampling defaults to false")
def _ds_default(_):
    async def createDataSource(token_info, bucketId, body):  # noqa: N802 - operationId
        body = {**body, "downsampling": body.get("downsampling", False)}
        return await original(token_info, bucketId, body)
    original = ds_handlers.createDataSource
    ds_handlers.createDataSource = createDataSource


# ------------------------------------------------------------------ data

@mutant("ingest-no-schema-check", "data", "validation gap", "values contradicting the source schema are stored")
def _no_schema(_):
    original = store.Store.ingest

    def ingest(self, bucket, points, path_prefix):
        saved = {s.id: s.schema for s in self.sources_of(bucket.id)}
        for s in self.sources_of(bucket.id):
            s.schema = {}
        try:
            return original(self, bucket, points, path_prefix)
        finally:
            for s in self.sources_of(bucket.id):
                s.schema = saved.get(s.id, s.schema)
    store.Store.ingest = ingest


@mutant("batch-not-atomic", "data", "non-atomic batch", "a rejected batch keeps the points before the bad one")
def _partial(_):
    original = store.Store.ingest

    def ingest(self, bucket, points, path_prefix):
        try:
            return original(self, bucket, points, path_prefix)
        except (store.ValidationFailed, store.NotFound):
            for p in points:
                try:
                    original(self, bucket, [p], path_prefix)
                except (store.ValidationFailed, store.NotFound):
                    break
            raise
    store.Store.ingest = ingest


def _newest_first(d):
    if not d["metadata"].get("aggregation"):
        d["data"].reverse()
    return d


mutant("query-newest-first", "data", "query bug", "raw points come newest first",
       wrap=rewrite("POST", "/api/data/query", json_edit(_newest_first, {200})))(none)


@mutant("query-end-exclusive", "data", "query bug", "endTime is exclusive")
def _exclusive(_):
    import numpy as np

    def range_(self, start, end):
        self.ensure_sorted()
        ts = self.ts.data[: self.n]
        lo = 0 if start is None else int(np.searchsorted(ts, start, side="left"))
        hi = self.n if end is None else int(np.searchsorted(ts, end, side="left"))
        return lo, max(lo, hi)
    engine.Series.range = range_


@mutant("query-avg-is-sum", "data", "query bug", "avg aggregation returns the sum")
def _avg(_):
    original = engine.aggregate
    engine.aggregate = lambda s, lo, hi, how, g: original(s, lo, hi, "sum" if how == "avg" else how, g)


@mutant("query-never-downsamples", "data", "query bug", "automatic downsampling never applies")
def _nods(_):
    engine.DOWNSAMPLE_TARGET = 10**12


@mutant("timestamps-not-z", "data", "format bug", "timestamps written as +00:00 instead of Z")
def _tz(_):
    from mock_server.handlers import views

    original = timeutil.format
    timeutil.format = views.ts = lambda ms: original(ms)[:-1] + "+00:00"


# ------------------------------------------------------------------ alerts and analytics

def _drop_last_triggered(d):
    for r in d["alertRules"]:
        r.pop("lastTriggeredAt", None)
    return d


mutant("alerts-no-lastTriggeredAt", "alerts", "missing field", "alert list items lack lastTriggeredAt",
       wrap=rewrite("GET", "/api/buckets/[^/]+/alerts", json_edit(_drop_last_triggered, {200})))(none)


@mutant("alerts-accept-nonsense", "alerts", "validation gap", "unparseable conditions are accepted")
def _nonsense(_):
    original = store.parse_condition
    store.parse_condition = lambda text: original(text) or {"field": "value", "operator": "gt", "value": 0}


@mutant("analytics-ignore-period", "analytics", "query bug", "the period filter is ignored")
def _period(_):
    store.PERIOD_DAYS.update({k: 100_000 for k in store.PERIOD_DAYS})


# ------------------------------------------------------------------ cross-cutting

def _problem_json(status, headers, body):
    if status == 404 and b"Cannot " in body:
        headers[b"content-type"] = b"application/problem+json"
        return status, headers, json.dumps({"type": "about:blank", "title": "Not Found", "status": 404}).encode()
    return status, headers, body


def _wrap_all(fn):
    def wrap(app):
        async def wrapped(scope, receive, send):
            return await rewrite(scope.get("method", ""), ".*", fn)(app)(scope, receive, send)
        wrapped.mock = app.mock
        return wrapped
    return wrap


mutant("route-404-problem-json", "cross_cutting", "broken envelope", "unknown routes answer problem+json",
       wrap=_wrap_all(_problem_json))(none)


def _strip_rate_headers(status, headers, body):
    if status >= 400:
        for k in [k for k in headers if k.lower().startswith(b"x-ratelimit")]:
            del headers[k]
    return status, headers, body


mutant("errors-no-rate-headers", "cross_cutting", "missing headers", "error responses lack X-RateLimit-*",
       wrap=_wrap_all(_strip_rate_headers))(none)


def _plain_401(status, headers, body):
    if status == 401:
        return status, headers, json.dumps({"error": "Unauthorized", "message": "Unauthorized"}).encode()
    return status, headers, body


mutant("wrong-401-message", "cross_cutting", "wrong message", "401 says 'Unauthorized' instead of the documented text",
       wrap=_wrap_all(_plain_401))(none)


def build(name: str):
    m = MUTANTS[name]
    if m.before:
        m.before(None)
    from mock_server.app import create_app

    app = create_app(DEFAULT_FIXTURES, seed=1)
    return m.wrap(app) if m.wrap else app


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("name", choices=sorted(MUTANTS))
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args(argv)
    import uvicorn

    uvicorn.run(build(args.name), host="127.0.0.1", port=args.port, log_level="error", access_log=False)


if __name__ == "__main__":
    main()
