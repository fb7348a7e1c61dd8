"""Deliberately broken variants of the mock, one realistic defect each (the contract suite must catch all).

Each mutant is a small, explicit patch registered here: ``before`` runs before the app is
built (patching store, engine, handler or contract behaviour), ``wrap`` wraps the finished
ASGI app (rewriting responses). Run one with ``python -m tests.mutants NAME --port P``;
``control`` is the unmutated mock served the same way (``control-mixpeek``, ``control-petstore``,
``control-airflow`` for the other targets).

A mutant serves Dakkio (the default), Mixpeek (``api="mixpeek"``) or a third-party spec with no
profile (``spec=PATH``, with the ``credential`` the mock accepts and the gate is given). The
Mixpeek and generic ones are declared as tables of seams: ``seam(module, attribute, replacement)``
replaces one named function of production code by ``replacement(original)``, so nothing here
copies a production function; the rest rewrite responses (``rewrite``/``json_edit``/``responses``).
``contract_args`` is the ``dakkio-contract`` command line that gates each.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mock_server.core import errors, timeutil, validation
from mock_server.core.generic import errors as generic_errors
from mock_server.core.generic import handlers as generic_handlers
from mock_server.core.generic import profile as generic_profile
from mock_server.core.generic.store import GenericStore
from mock_server.profiles.dakkio import engine, views
from mock_server.profiles.dakkio.handlers import data_sources as ds_handlers
from mock_server.profiles.dakkio.services import access, alerts, analytics, api_keys, buckets, ingest
from mock_server.profiles.mixpeek import services as mx_services
from mock_server.profiles.mixpeek import state as mx_state
from mock_server.profiles.mixpeek.handlers import buckets as mx_handlers
from openapi_model import inference as plans

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "dakkio_a_demoadmin0000000000000000000000000000000"
PETSTORE = "tests/thirdparty/oai_petstore_expanded/petstore-expanded.yaml"
AIRFLOW = "tests/thirdparty/airflow_v1/v1.yaml"
AIRFLOW_LOGIN = ("--basic", "admin:secret")


@dataclass
class Mutant:
    name: str
    resource: str
    kind: str
    description: str
    before: Callable | None = None
    wrap: Callable | None = None
    api: str = field(default="dakkio", kw_only=True)        # the profile served: "dakkio", "mixpeek"; "generic"
    spec: str | None = field(default=None, kw_only=True)    # generic: the spec served with no profile (repo-relative)
    credential: tuple | None = field(default=None, kw_only=True)   # generic: (gate option, value the mock accepts)


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


@mutant("bucket-name-101", "buckets", "validation gap", "names over 100 characters are accepted")
def _long(_):
    original = validation.problems_of
    validation.problems_of = lambda err, loc: [] if err.validator == "maxLength" else original(err, loc)


@mutant("bucket-delete-keeps-keys", "buckets", "state bug", "deleting a bucket leaves its keys working")
def _keep_keys(_):
    original = buckets.delete

    def delete(state, bucket):
        keys = api_keys.of_bucket(state, bucket.id)
        counts = original(state, bucket)
        for k in keys:
            state.keys[k.key], state.key_ids[k.id] = k, k
        return counts
    buckets.delete = delete


@mutant("bucket-delete-miscount", "buckets", "state bug", "deletedResources.dataPoints is off by one")
def _miscount(_):
    original = buckets.delete

    def delete(state, bucket):
        counts = original(state, bucket)
        counts.data_points = max(0, counts.data_points - 1)
        return counts
    buckets.delete = delete


# ------------------------------------------------------------------ keys and auth

def _key_types(op, types):
    def patch(_):
        from openapi_model import contract as spec_mod
        original = spec_mod.Contract.__init__

        def init(self, *a, **kw):
            original(self, *a, **kw)
            self.by_id[op].extensions["x-dakkio-key-types"] = tuple(types)
        spec_mod.Contract.__init__ = init
    return patch


mutant("write-key-creates-buckets", "api_keys", "auth hole", "a write key may create buckets")(
    _key_types("createBucket", ["admin", "write"]))
mutant("read-key-ingests", "data", "auth hole", "a read key may ingest data")(
    _key_types("ingestData", ["admin", "write", "read"]))
mutant("overview-any-key", "analytics", "auth hole", "any key may read the organisation overview")(
    _key_types("getAnalyticsOverview", ["admin", "write", "read"]))


def _leak_keys(d):
    for k in d["apiKeys"]:
        k["key"] = k["keyPrefix"].replace("...", "0" * 36)
    return d


mutant("key-list-leaks-key", "api_keys", "security leak", "listing keys returns the full key",
       wrap=rewrite("GET", "/api/buckets/[^/]+/keys", json_edit(_leak_keys, {200})))(none)


@mutant("source-downsampling-default-off", "data_sources", "wrong default", "downsampling defaults to false")
def _ds_default(_):
    async def createDataSource(state, principal, bucketId, body):  # noqa: N802 - operationId
        body = {**body, "downsampling": body.get("downsampling", False)}
        return await original(state, principal, bucketId, body)
    createDataSource.__module__ = ds_handlers.__name__   # the resolver serves handlers of that module
    original = ds_handlers.createDataSource
    ds_handlers.createDataSource = createDataSource


# ------------------------------------------------------------------ data

@mutant("ingest-no-schema-check", "data", "validation gap", "values contradicting the source schema are stored")
def _no_schema(_):
    from mock_server.profiles.dakkio.services import data_sources
    original = ingest.ingest

    def schemaless(state, bucket, points):
        sources = data_sources.of_bucket(state, bucket.id)
        saved = {s.id: s.schema for s in sources}
        for s in sources:
            s.schema = {}
        try:
            return original(state, bucket, points)
        finally:
            for s in sources:
                s.schema = saved.get(s.id, s.schema)
    ingest.ingest = schemaless


@mutant("batch-not-atomic", "data", "non-atomic batch", "a rejected batch keeps the points before the bad one")
def _partial(_):
    original = ingest.ingest

    def partial(state, bucket, points):
        try:
            return original(state, bucket, points)
        except (ingest.PointInvalid, errors.NotFound):
            for p in points:
                try:
                    original(state, bucket, [p])
                except (ingest.PointInvalid, errors.NotFound):
                    break
            raise
    ingest.ingest = partial


def _newest_first(d):
    if not d["metadata"].get("aggregation"):
        d["data"].reverse()
    return d


mutant("query-newest-first", "data", "query bug", "raw points come newest first",
       wrap=rewrite("POST", "/api/data/query", json_edit(_newest_first, {200})))(none)


@mutant("query-avg-is-sum", "data", "query bug", "avg aggregation returns the sum")
def _avg(_):
    original = engine.aggregate
    engine.aggregate = lambda s, lo, hi, how, g: original(s, lo, hi, "sum" if how == "avg" else how, g)


@mutant("query-never-downsamples", "data", "query bug", "automatic downsampling never applies")
def _nods(_):
    engine.DOWNSAMPLE_TARGET = 10**12


@mutant("timestamps-not-z", "data", "format bug", "timestamps written as +00:00 instead of Z")
def _tz(_):
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
    original = alerts.parse_condition
    alerts.parse_condition = lambda text: original(text) or {"field": "value", "operator": "gt", "value": 0}


@mutant("analytics-ignore-period", "analytics", "query bug", "the period filter is ignored")
def _period(_):
    analytics.PERIOD_DAYS.update({k: 100_000 for k in analytics.PERIOD_DAYS})


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


# ------------------------------------------------------------------ declared mutants: seams and response rewrites

def seam(module, attribute: str, replacement: Callable):
    """One named seam of production code: ``module.attribute`` becomes ``replacement(original)``."""
    return module, attribute, replacement


def patches(*seams):
    """A ``before`` applying ``seams`` (each mutant runs in a process of its own)."""
    def before(_):
        for module, attribute, replacement in seams:
            setattr(module, attribute, replacement(getattr(module, attribute)))
    return before


def responses(fn, path: str = ".*", methods: str = ".*"):
    """``rewrite`` for every method matching ``methods`` (a regex) on paths matching ``path``."""
    method_re = re.compile(methods)

    def wrap(app):
        async def wrapped(scope, receive, send):
            method = scope.get("method", "")
            if scope["type"] != "http" or not method_re.fullmatch(method):
                return await app(scope, receive, send)
            return await rewrite(method, path, fn)(app)(scope, receive, send)
        wrapped.mock = app.mock
        return wrapped
    return wrap


def declare(table, *, api: str, resource: str, spec: str | None = None, credential: tuple | None = None):
    """Register a table of ``(name, kind, description, how)``; ``how`` is a seam, a tuple of seams or a
    response wrapper."""
    for name, kind, description, how in table:
        if callable(how):
            MUTANTS[name] = Mutant(name, resource, kind, description, None, how, api=api, spec=spec,
                                   credential=credential)
        else:
            seams = how if isinstance(how[0], tuple) else (how,)
            MUTANTS[name] = Mutant(name, resource, kind, description, patches(*seams), None, api=api, spec=spec,
                                   credential=credential)


# ------------------------------------------------------------------ Mixpeek (DESIGN decisions 26-31)

def _kept(deletion, state, namespace):
    state.buckets(namespace)[deletion.bucket.id] = deletion.bucket
    return deletion


def _as_401(d):
    d["status"] = 401
    return d, 401


def _no_success(d):
    d.pop("success", None)
    return d


def _pages(edit):
    def fn(d):
        if "pagination" in d:      # the lists' answers
            edit(d["pagination"])
        return d
    return fn


def _int_next(p):
    p["next_page"] = int(p["next_page"]) if p["next_page"] is not None else None


def _floor_pages(p):
    p["total_pages"] = p["total"] // p["page_size"]


def _as_400(d):
    d["status"], d["error"]["type"] = 400, "BadRequestError"
    return d, 400


LISTS = "/v1/buckets(/list)?"      # GET /v1/buckets, POST /v1/buckets/list (and the create, left alone)
MIXPEEK_MUTANTS = [
    ("mixpeek-duplicate-names", "state bug", "duplicate bucket names are accepted",
     seam(mx_services, "_name_taken", lambda original: lambda *a, **kw: None)),
    ("mixpeek-namespace-ignored", "scope hole", "X-Namespace is ignored: every request sees namespace default",
     seam(mx_services, "principal", lambda original: lambda state, key, namespace: original(state, key, None))),
    ("mixpeek-rename-onto-taken", "state bug", "a patch may rename a bucket onto an existing name",
     seam(mx_services, "_name_taken", lambda original: lambda state, namespace, name, other_than=None:
          None if other_than is not None else original(state, namespace, name))),
    ("mixpeek-delete-keeps-bucket", "state bug", "a deleted bucket stays readable",
     seam(mx_services, "delete", lambda original: lambda state, namespace, identifier:
          _kept(original(state, namespace, identifier), state, namespace))),
    ("mixpeek-description-empty", "wrong default", "description defaults to \"\" instead of null",
     seam(mx_services, "create", lambda original: lambda state, namespace, name, description, *a, **kw:
          original(state, namespace, name, "" if description is None else description, *a, **kw))),
    ("mixpeek-alias-ignored", "validation gap", "the seed's `schema` alias is ignored (an empty schema is stored)",
     seam(mx_handlers, "_schema", lambda original: lambda body: body.get("bucket_schema") or {"properties": {}})),
    ("mixpeek-schema-patch-ignored", "validation gap", "bucket_schema in a patch is ignored (200, not 400)",
     seam(mx_services, "update", lambda original: lambda state, namespace, identifier, changes: original(
         state, namespace, identifier, {k: v for k, v in changes.items() if k not in ("bucket_schema", "schema")}))),
    ("mixpeek-limit-unbounded", "validation gap", "limit over 1000 is accepted",
     seam(validation, "problems_of", lambda original: lambda err, loc:
          [] if err.validator == "maximum" else original(err, loc))),
    ("mixpeek-ids-uppercase", "format bug", "bucket ids are upper-case hex",
     seam(mx_state.State, "new_hex", lambda original: lambda self, n=12: original(self, n).upper())),
    ("mixpeek-401", "wrong status", "refused keys answer 401 instead of 403",
     responses(json_edit(_as_401, {403}))),
    ("mixpeek-envelope-no-success", "broken envelope", "error bodies lack success: false",
     responses(json_edit(_no_success, set(range(400, 600))))),
    ("mixpeek-next-page-int", "mistyped field", "pagination.next_page is a number, not a string",
     responses(json_edit(_pages(_int_next), {200}), LISTS, "GET|POST")),
    ("mixpeek-total-pages-floor", "query bug", "total_pages rounds down",
     responses(json_edit(_pages(_floor_pages), {200}), LISTS, "GET|POST")),
    ("mixpeek-422-as-400", "wrong status", "validation errors answer 400 BadRequestError instead of 422",
     responses(json_edit(_as_400, {422}))),
]
MUTANTS["control-mixpeek"] = Mutant("control-mixpeek", "-", "-", "the unmutated Mixpeek mock", api="mixpeek")
declare(MIXPEEK_MUTANTS, api="mixpeek", resource="buckets")


# ------------------------------------------------------------------ Dakkio: state and scope, as seams

def _names_may_repeat(original):
    """``buckets.create`` that does not see the buckets already carrying the name (kept in order)."""
    def create(state, name, description, bucket_id=None):
        kept = list(state.buckets.items())
        for bid in [bid for bid, b in kept if b.name == name]:
            del state.buckets[bid]
        try:
            made = original(state, name, description, bucket_id)
        finally:
            made_now = {k: v for k, v in state.buckets.items() if k not in dict(kept)}
            state.buckets.clear()
            state.buckets.update(kept)
            state.buckets.update(made_now)
        return made
    return create


DAKKIO_SEAM_MUTANTS = [
    ("buckets", ("bucket-duplicate-names", "state bug", "duplicate bucket names are accepted",
                 seam(buckets, "create", _names_may_repeat))),
    ("api_keys", ("deleted-key-works", "auth hole", "a deleted key keeps working (it only leaves the list)",
                  seam(api_keys, "forget", lambda original: lambda state, key: state.key_ids.pop(key.id, None)))),
    ("data_sources", ("scope-hole", "scope hole", "bucket-scoped keys reach other buckets",
                      seam(access, "bucket_for", lambda original: lambda state, principal, bucket_id:
                           original(state, dataclasses.replace(principal, type="admin"), bucket_id)))),
    ("data", ("query-end-exclusive", "query bug", "endTime is exclusive",
              seam(engine.Series, "range", lambda original: lambda self, start, end:
                   original(self, start, None if end is None else end - 1)))),
]
for resource, row in DAKKIO_SEAM_MUTANTS:
    declare([row], api="dakkio", resource=resource)


# ------------------------------------------------------------------ Dakkio values (the rule: every field by value)

def _edited(path: tuple, value):
    """A replacement of a ``views`` shaper whose result has ``value(result, *args)`` at ``path``."""
    def replacement(original):
        def shaper(*args, **kw):
            out = original(*args, **kw)
            node = out
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value(out, *args)
            return out
        return shaper
    return replacement


DAKKIO_VALUE_MUTANTS = [
    ("overview-storage-decimal", "wrong derived value", "storageUsedFormatted in decimal units (1000), not the docs' 1024",
     seam(views, "human_bytes", lambda original: lambda n: f"{n / 1000:.1f} KB")),
    ("overview-percentage-unrounded", "wrong derived value", "apiCallsPercentage is not rounded to one decimal",
     seam(views, "overview", _edited(("usage", "apiCallsPercentage"), lambda out, o:
                                     100.0 * o.api_calls / o.api_calls_limit + 1e-4))),
    ("overview-alerts-24h-uncounted", "wrong count", "alertsTriggeredLast24h stays 0 after a trigger",
     seam(views, "overview", _edited(("recentActivity", "alertsTriggeredLast24h"), lambda out, o: 0))),
    ("analytics-avg-per-day-floor", "wrong derived value", "avgDataPointsPerDay rounds down, not half up",
     seam(views, "bucket_analytics", _edited(("summary", "avgDataPointsPerDay"), lambda out, a:
                                             a.points_in_period // a.days))),
    ("ingest-created-at-is-timestamp", "wrong value", "an ingested point's createdAt is its timestamp, not the ingestion time",
     seam(views, "ingested_point", _edited(("createdAt",), lambda out, *_: out["timestamp"]))),
    ("key-list-created-at-now", "wrong value", "listed keys show the time of the listing as createdAt",
     seam(views, "key_item", _edited(("createdAt",), lambda out, k: timeutil.format(int(time.time() * 1000))))),
]
declare(DAKKIO_VALUE_MUTANTS, api="dakkio", resource="values")


# ------------------------------------------------------------------ credentials the way servers get them wrong

CREDENTIAL_MUTANTS = [
    ("dakkio", "keys-matched-by-prefix", "a key is found by its first 13 characters (its listed keyPrefix)",
     seam(access, "authenticate", lambda original: lambda state, key: original(
         state, next((k for k in state.keys if key and k[:13] == key[:13]), key)))),
    ("mixpeek", "mixpeek-bearer-repeated", "'Bearer Bearer <key>' is taken for the key",
     seam(mx_services, "principal", lambda original: lambda state, key, namespace: original(
         state, key.split()[-1] if key else key, namespace))),
]
for api_name, name, description, how in CREDENTIAL_MUTANTS:
    declare([(name, "auth hole", description, how)], api=api_name, resource="credentials")


# ------------------------------------------------------------------ a spec with no profile (DESIGN decisions 32-35)

def plan_mode(old: str, new: str):
    """A replacement of ``generic.handlers.make``: operations the spec implies as ``old`` served as ``new``."""
    return lambda original: lambda mock, plan: original(
        mock, dataclasses.replace(plan, mode=new) if plan.mode == old else plan)


def _deletes_forgive(original):
    """``make`` whose delete handlers answer 204 for an item that is not there."""
    def make(mock, plan):
        handler = original(mock, plan)
        if plan.mode != plans.DELETE:
            return handler

        async def forgiving(body=None, **params):
            try:
                return await handler(body=body, **params)
            except errors.NotFound:
                return b"", 204, {}
        forgiving.__name__ = handler.__name__
        return forgiving
    return make


GENERIC_MUTANTS = [   # (name, kind, description, how), spec, credential
    (("generic-delete-keeps", "state bug", "a delete answers 204 and deletes nothing",
      seam(generic_handlers, "make", plan_mode(plans.DELETE, plans.READ))), PETSTORE, None),
    (("generic-read-generated", "state bug", "reads answer a generated body, not the stored item",
      seam(generic_handlers, "make", plan_mode(plans.READ, plans.EXAMPLES))), PETSTORE, None),
    (("generic-list-misses-new", "state bug", "lists answer generated items, not the stored ones",
      seam(generic_handlers, "make", plan_mode(plans.LIST, plans.EXAMPLES))), PETSTORE, None),
    (("generic-create-drops-body", "state bug", "created items keep only generated fields, not the body's",
      seam(generic_handlers, "_create", lambda original: lambda store, res, items, body:
           original(store, res, items, {}))), PETSTORE, None),
    (("generic-second-delete-204", "wrong status", "deleting a missing item answers 204, not 404",
      seam(generic_handlers, "make", _deletes_forgive)), PETSTORE, None),
    (("generic-errors-problem-json", "broken envelope", "errors are RFC 7807, not the spec's Error schema",
      seam(generic_errors, "_documented", lambda original: lambda operation, status: None)), PETSTORE, None),
    (("generic-update-ignored", "state bug", "a PATCH answers the item unchanged and stores nothing",
      seam(generic_handlers, "make", plan_mode(plans.UPDATE, plans.READ))), AIRFLOW, AIRFLOW_LOGIN),
    (("generic-any-credential", "auth hole", "any credential is accepted (presence only)",
      seam(generic_profile, "authenticate", lambda original: lambda state, credential, operation:
           original(None, credential, operation))), AIRFLOW, AIRFLOW_LOGIN),
]
def _ids_from_the_top(original):
    """``GenericStore.new_id`` handing out the largest id in use plus one (a deleted last id comes back)."""
    def new_id(self, resource, taken):
        value = original(self, resource, taken)
        if isinstance(value, int):
            return max([int(k) for k in taken if str(k).isdigit()] or [0]) + 1
        return value
    return new_id


def _password_ignored(original):
    """``authenticate`` for basic credentials that looks at the user name only."""
    def authenticate(state, credential, operation):
        if credential.password is not None:
            known = {a.split(":", 1)[0]: a.split(":", 1)[1] for a in getattr(state, "credentials", ()) if ":" in a}
            credential = dataclasses.replace(credential, password=known.get(credential.value, credential.password))
        return original(state, credential, operation)
    return authenticate


def _total_of_page(d):
    if isinstance(d, dict) and isinstance(d.get("pools"), list):
        d["total_entries"] = len(d["pools"])
    return d


GENERIC_MUTANTS += [
    (("generic-ids-reused", "state bug", "a new item gets the largest id plus one: a deleted last id comes back",
      seam(GenericStore, "new_id", _ids_from_the_top)), PETSTORE, None),
    (("generic-basic-password-ignored", "auth hole", "basic credentials are checked by user name only",
      seam(generic_profile, "authenticate", _password_ignored)), AIRFLOW, AIRFLOW_LOGIN),
    (("generic-total-of-page", "wrong count", "a list's total_entries counts the page, not the collection",
      responses(json_edit(_total_of_page, {200}), path="/api/v1/pools", methods="GET")), AIRFLOW, AIRFLOW_LOGIN),
]
MUTANTS["control-petstore"] = Mutant("control-petstore", "-", "-", "the generic mock serving the petstore", api="generic",
                                     spec=PETSTORE)
MUTANTS["control-airflow"] = Mutant("control-airflow", "-", "-", "the generic mock serving Airflow's API", api="generic",
                                    spec=AIRFLOW, credential=AIRFLOW_LOGIN)
for row, spec, credential in GENERIC_MUTANTS:
    declare([row], api="generic", resource={PETSTORE: "petstore", AIRFLOW: "airflow"}[spec], spec=spec,
            credential=credential)


def contract_args(name: str, url: str) -> list[str]:
    """The ``dakkio-contract`` arguments that gate mutant ``name`` served at ``url``."""
    m = MUTANTS[name]
    if m.api == "mixpeek":
        return ["--spec", "openapi/mixpeek.yaml", "--base-url", url]
    if m.api == "generic":
        return ["--spec", m.spec, "--base-url", url, *(m.credential or ())]
    return ["--base-url", url, "--admin-key", ADMIN_KEY]


def build(name: str):
    m = MUTANTS[name]
    if m.before:
        m.before(None)
    from mock_server.core.app import create_app

    if m.api == "generic":
        accepted = (m.credential[1],) if m.credential else ()
        app = create_app(spec=ROOT / m.spec, fixtures=None, seed=1, credentials=accepted)
    else:
        app = create_app(m.api, "default", seed=1)
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
