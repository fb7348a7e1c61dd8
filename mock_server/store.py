"""All state and all rules of the mock Dakkio. Knows nothing of HTTP.

One organisation, its admin keys, buckets, bucket-scoped keys, data sources (each with a
time-series ``engine.Series``) and alert rules. Every method either returns plain data
or raises a typed error from ``errors``.
"""

from __future__ import annotations

import itertools
import math
import operator
import random
import re
import string
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from . import engine, timeutil
from .errors import (
    BUCKET_NOT_FOUND,
    KEY_NOT_FOUND,
    NO_BUCKET_ACCESS,
    SOURCE_NOT_FOUND,
    UNAUTHORIZED,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    invalid,
)

_KEY_ALPHABET = string.ascii_lowercase + string.digits
PERIOD_DAYS = {"24h": 1, "7d": 7, "30d": 30, "90d": 90}
DEFAULT_PLAN = {"name": "Pro", "maxBuckets": 25, "maxRetentionDays": 365, "maxApiCalls": 1_000_000}


@dataclass
class Organization:
    id: str
    name: str
    plan: dict


@dataclass
class ApiKey:
    id: str
    name: str
    type: str                 # admin | write | read
    key: str
    bucket_id: str | None
    created_at: int
    last_used_at: int | None = None

    @property
    def prefix(self) -> str:
        return self.key[:13] + "..."


@dataclass
class Bucket:
    id: str
    name: str
    description: str | None
    created_at: int
    updated_at: int


@dataclass
class DataSource:
    id: str
    bucket_id: str
    name: str
    type: str
    description: str | None
    schema: dict
    downsampling: bool
    created_at: int
    updated_at: int
    status: str = "active"
    series: engine.Series = field(default_factory=engine.Series)


@dataclass
class AlertRule:
    id: str
    bucket_id: str
    data_source_id: str
    name: str
    condition: str
    parsed: dict
    webhook_url: str
    cooldown_minutes: float
    created_at: int
    status: str = "active"
    last_triggered_at: int | None = None
    triggers: list = field(default_factory=list)   # trigger times (ms)


@dataclass
class Ingested:
    """What one ingest stored: ``count`` points with sequence numbers ``first_seq``.., their
    timestamps in request order, and the shared ingestion time."""

    count: int
    first_seq: int
    ts: np.ndarray
    created: int


@dataclass
class Quota:
    """A call quota per window; only authenticated requests count (DESIGN decision 14)."""

    limit: int
    window: str = "month"     # second | minute | hour | day | month
    used: int = 0
    window_start: int = 0
    _reset_cache: tuple | None = None

    def reset_at(self, now: int) -> int:
        cached = self._reset_cache
        if cached and cached[0] == now and cached[1] == self.window:
            return cached[2]
        value = self._reset_at(now)
        self._reset_cache = (now, self.window, value)
        return value

    def _reset_at(self, now: int) -> int:
        if self.window == "month":
            y, m, _ = timeutil.civil_from_days(now // timeutil.MS_DAY)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            return timeutil.days_from_civil(y, m, 1) * timeutil.MS_DAY
        size = {"second": 1000, "minute": timeutil.MS_MINUTE, "hour": timeutil.MS_HOUR,
                "day": timeutil.MS_DAY}[self.window]
        return (now // size + 1) * size

    def roll(self, now: int) -> None:
        if now >= self.reset_at(self.window_start) or now < self.window_start:
            self.used, self.window_start = 0, now


# ------------------------------------------------------------------ conditions

_OPERATORS = [
    ("gte", r"is greater than or equal to|greater than or equal to|is at least|at least|>="),
    ("lte", r"is less than or equal to|less than or equal to|is at most|at most|<="),
    ("neq", r"is not equal to|not equal to|does not equal|is not|!="),
    ("gt", r"is greater than|greater than|exceeds|is above|goes above|rises above|above|>"),
    ("lt", r"is less than|less than|drops below|falls below|goes below|is below|below|<"),
    ("eq", r"is equal to|equal to|equals|==|=|is"),
]
_CONDITION = re.compile(
    r"^\s*(?P<field>[A-Za-z_][\w ]*?)\s*(?P<op>" + "|".join(f"(?P<{n}>{p})" for n, p in _OPERATORS)
    + r")\s*(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?:%|percent|[°a-zA-Z]+)?"
    + r"(?:\s+for\s+\d+\s+(?:seconds?|minutes?|hours?|days?))?\s*$",
    re.IGNORECASE,
)
_COMPARE = {
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b, "eq": lambda a, b: a == b, "neq": lambda a, b: a != b,
}


def parse_condition(text: str) -> dict | None:
    m = _CONDITION.match(text)
    if not m:
        return None
    op = next(name for name, _ in _OPERATORS if m.group(name))
    value = float(m.group("value"))
    if value.is_integer():
        value = int(value)
    return {"field": "_".join(m.group("field").split()), "operator": op, "value": value}


# ------------------------------------------------------------------ the store

class Store:
    def __init__(self, seed: int | None = None, clock=None, quota: Quota | None = None):
        self.seed_value = seed
        self._rng = random.Random(seed)
        self._clock = clock or (lambda: int(time.time() * 1000))
        self.lock = threading.RLock()
        self.org = Organization(self.new_id(), "My Organization", dict(DEFAULT_PLAN))
        self.keys: dict[str, ApiKey] = {}          # by key string
        self.key_ids: dict[str, ApiKey] = {}       # by _id (lowercase)
        self.buckets: dict[str, Bucket] = {}       # by _id (lowercase), creation order
        self.sources: dict[str, DataSource] = {}
        self.alerts: dict[str, AlertRule] = {}
        self.quota = quota or Quota(limit=DEFAULT_PLAN["maxApiCalls"])
        self._seq = 0
        self._point_prefix = f"{self._rng.getrandbits(48):012x}"

    # ---- ids and time
    def now(self) -> int:
        return self._clock()

    def new_id(self) -> str:
        return f"{self._rng.getrandbits(96):024x}"

    def new_key(self, kind: str) -> str:
        return f"dakkio_{kind[0]}_" + "".join(self._rng.choice(_KEY_ALPHABET) for _ in range(40))

    def point_id(self, seq: int) -> str:
        return f"{self._point_prefix}{seq:012x}"

    # ---- authentication and quota
    def authenticate(self, key: str | None) -> ApiKey:
        found = self.keys.get(key) if key else None
        if found is None:
            raise Unauthorized(UNAUTHORIZED)
        now = self.now()
        q = self.quota
        q.roll(now)
        if q.used >= q.limit:
            reset = q.reset_at(q.window_start)
            retry = max(1, math.ceil((reset - now) / 1000))
            raise TooManyRequests(f"Rate limit exceeded. Resets at {timeutil.format(reset // 1000 * 1000)}",
                                  headers={"Retry-After": str(retry)})
        q.used += 1
        found.last_used_at = now
        return found

    def rate_limit_headers(self) -> dict:
        q = self.quota
        now = self.now()
        q.roll(now)
        return {
            "X-RateLimit-Limit": str(q.limit),
            "X-RateLimit-Remaining": str(max(0, q.limit - q.used)),
            "X-RateLimit-Reset": str(q.reset_at(q.window_start) // 1000),
        }

    def bucket_for(self, principal: ApiKey, bucket_id: str) -> Bucket:
        """Scope check (403) before existence (404): scoped keys cannot probe other buckets."""
        bid = bucket_id.lower()
        if principal.type != "admin" and principal.bucket_id != bid:
            raise Forbidden(NO_BUCKET_ACCESS)
        bucket = self.buckets.get(bid)
        if bucket is None:
            raise NotFound(BUCKET_NOT_FOUND)
        return bucket

    def _source_in(self, bucket: Bucket, source_id: str) -> DataSource:
        src = self.sources.get(source_id.lower())
        if src is None or src.bucket_id != bucket.id:
            raise NotFound(SOURCE_NOT_FOUND)
        return src

    # ---- buckets
    def list_buckets(self, limit: int, offset: int) -> tuple[list[Bucket], int]:
        items = list(self.buckets.values())
        return items[offset: offset + limit], len(items)

    def create_bucket(self, name: str, description: str | None) -> Bucket:
        if any(b.name == name for b in self.buckets.values()):
            raise Conflict("A bucket with this name already exists")
        now = self.now()
        bucket = Bucket(self.new_id(), name, description, now, now)
        self.buckets[bucket.id] = bucket
        return bucket

    def bucket_stats(self, bucket: Bucket) -> dict:
        sources = self.sources_of(bucket.id)
        return {
            "dataSourceCount": len(sources),
            "dataPointCount": sum(s.series.n for s in sources),
            "apiKeyCount": len(self.keys_of(bucket.id)),
        }

    def delete_bucket(self, bucket: Bucket) -> dict:
        sources = self.sources_of(bucket.id)
        keys = self.keys_of(bucket.id)
        rules = self.alerts_of(bucket.id)
        counts = {"dataSources": len(sources), "dataPoints": sum(s.series.n for s in sources),
                  "apiKeys": len(keys), "alertRules": len(rules)}
        for s in sources:
            del self.sources[s.id]
        for k in keys:
            self._forget_key(k)
        for r in rules:
            del self.alerts[r.id]
        del self.buckets[bucket.id]
        return counts

    # ---- keys
    def keys_of(self, bucket_id: str) -> list[ApiKey]:
        return [k for k in self.key_ids.values() if k.bucket_id == bucket_id]

    def add_key(self, kind: str, name: str, bucket_id: str | None, key: str | None = None,
                key_id: str | None = None) -> ApiKey:
        key = key or self.new_key(kind)
        if key in self.keys:
            raise Conflict("An API key with this value already exists")
        api_key = ApiKey((key_id or self.new_id()).lower(), name, kind, key, bucket_id, self.now())
        self.keys[key] = api_key
        self.key_ids[api_key.id] = api_key
        return api_key

    def delete_key(self, bucket: Bucket, key_id: str) -> ApiKey:
        key = self.key_ids.get(key_id.lower())
        if key is None or key.bucket_id != bucket.id:
            raise NotFound(KEY_NOT_FOUND)
        self._forget_key(key)
        return key

    def _forget_key(self, key: ApiKey) -> None:
        self.keys.pop(key.key, None)
        self.key_ids.pop(key.id, None)

    # ---- data sources
    def sources_of(self, bucket_id: str) -> list[DataSource]:
        return [s for s in self.sources.values() if s.bucket_id == bucket_id]

    def create_source(self, bucket: Bucket, name: str, type_: str, description: str | None,
                      schema: dict, downsampling: bool, source_id: str | None = None) -> DataSource:
        now = self.now()
        clean = {}
        for fname, spec in schema.items():
            entry = {"type": spec["type"]}
            for opt in ("unit", "description"):
                if opt in spec:
                    entry[opt] = spec[opt]
            clean[fname] = entry
        src = DataSource((source_id or self.new_id()).lower(), bucket.id, name, type_, description,
                         clean, downsampling, now, now)
        self.sources[src.id] = src
        return src

    # ---- data
    def ingest(self, bucket: Bucket, points: list[dict], path_prefix: list) -> Ingested:
        """Store ``points`` all or nothing, column by column (one pass per field, not per point).

        A few points (a device's single reading) take ``_ingest_points``, point by point: numpy's
        fixed cost per call would dominate. Both paths store the same thing (tested against
        each other)."""
        now = self.now()
        n = len(points)
        if not n:
            return Ingested(0, self._seq + 1, np.empty(0, dtype=np.int64), now)
        ids = list(map(operator.itemgetter("dataSourceId"), points))
        by_raw = {}
        for raw in ([ids[0]] if ids.count(ids[0]) == n else dict.fromkeys(ids)):
            src = self.sources.get(raw.lower())
            if src is None or src.bucket_id != bucket.id:
                raise NotFound(SOURCE_NOT_FOUND)
            by_raw[raw] = src
        if n <= SMALL_BATCH:
            return self._ingest_points(points, by_raw, now, path_prefix)
        if len({s.id for s in by_raw.values()}) == 1:
            groups = [(next(iter(by_raw.values())), None)]
        else:
            rows: dict[str, list[int]] = {}
            for i, raw in enumerate(ids):
                rows.setdefault(by_raw[raw].id, []).append(i)
            groups = [(self.sources[sid], np.array(idx, dtype=np.int64)) for sid, idx in rows.items()]
        prepared = []
        for src, idx in groups:
            pts = points if idx is None else [points[i] for i in idx.tolist()]
            values = list(map(operator.itemgetter("values"), pts))
            fields = engine.batch_fields(values)
            if not _fits_schema(src.schema, fields):
                self._raise_first_mismatch(points, by_raw, path_prefix)
            prepared.append((src, idx, pts, values, fields))
        ts = self._timestamps(points, now, path_prefix)
        first = self._seq + 1
        self._seq += n
        seqs = np.arange(first, first + n, dtype=np.int64)
        for src, idx, pts, values, fields in prepared:
            metas = list(map(dict.get, pts, itertools.repeat("metadata")))
            if None in metas:
                metas = [m or {} for m in metas]
            if idx is None:
                src.series.append_batch(ts, now, seqs, values, metas, fields)
            else:
                src.series.append_batch(ts[idx], now, seqs[idx], values, metas, fields)
            self._evaluate_alerts(src, fields, now)
        return Ingested(n, first, ts, now)

    def _ingest_points(self, points: list[dict], by_raw: dict, now: int, path_prefix: list) -> Ingested:
        self._raise_first_mismatch(points, by_raw, path_prefix)
        stamps = []
        for i, p in enumerate(points):
            t = p.get("timestamp")
            ms = now if t is None else timeutil.parse(t)
            if ms is None:
                raise invalid([*_point_path(path_prefix, i), "timestamp"], "Invalid datetime")
            stamps.append(ms)
        first = self._seq + 1
        self._seq += len(points)
        rules: dict[str, list[AlertRule]] = {}
        for r in self.alerts.values():
            if r.status == "active":
                rules.setdefault(r.data_source_id, []).append(r)
        for i, p in enumerate(points):
            src = by_raw[p["dataSourceId"]]
            values = p["values"]
            src.series.append_point(stamps[i], now, first + i, values, p.get("metadata") or {})
            for rule in rules.get(src.id, ()):
                v = values.get(rule.parsed["field"])
                if not engine.is_numeric(v) or not _COMPARE[rule.parsed["operator"]](v, rule.parsed["value"]):
                    continue
                last = rule.last_triggered_at
                if last is None or now - last >= rule.cooldown_minutes * timeutil.MS_MINUTE:
                    rule.last_triggered_at = now
                    rule.triggers.append(now)
        return Ingested(len(points), first, np.array(stamps, dtype=np.int64), now)

    @staticmethod
    def _timestamps(points: list[dict], now: int, path_prefix: list) -> np.ndarray:
        stamps = list(map(dict.get, points, itertools.repeat("timestamp")))
        if None not in stamps:
            ts = timeutil.parse_many(stamps)
        else:
            ts = np.full(len(points), now, dtype=np.int64)
            given = [i for i, t in enumerate(stamps) if t is not None]
            ts[given] = timeutil.parse_many([stamps[i] for i in given])
        bad = np.flatnonzero(ts == timeutil.NOT_PARSED)
        if len(bad):
            raise invalid([*_point_path(path_prefix, int(bad[0])), "timestamp"], "Invalid datetime")
        return ts

    def _raise_first_mismatch(self, points: list[dict], by_raw: dict, path_prefix: list) -> None:
        """The first value (in request order) whose type differs from its source's schema."""
        for i, p in enumerate(points):
            schema = by_raw[p["dataSourceId"]].schema
            for fname, value in p["values"].items():
                want = schema.get(fname, {}).get("type")
                if want and _json_type(value) != want:
                    raise invalid([*_point_path(path_prefix, i), "values", fname],
                                  f"Expected {want}, received {_json_type(value)}")

    def _evaluate_alerts(self, src: DataSource, fields: dict, now: int) -> None:
        for rule in self.alerts.values():
            if rule.status != "active" or rule.data_source_id != src.id:
                continue
            f = fields.get(rule.parsed["field"])
            if f is None:
                continue
            compare, threshold = _COMPARE[rule.parsed["operator"]], rule.parsed["value"]
            if f.floats is not None:
                present = ~np.isnan(f.floats)   # absent values never match (NaN != x would)
                hits = int(np.count_nonzero(compare(f.floats, threshold) & present))
            else:
                hits = sum(1 for v in f.raw if engine.is_numeric(v) and compare(v, threshold))
            if not hits:
                continue
            # Every point of a request shares one ingestion time: the first match fires unless the
            # rule is cooling down; the later ones fire again only with no cooldown at all.
            last, cooldown = rule.last_triggered_at, rule.cooldown_minutes * timeutil.MS_MINUTE
            if last is None or now - last >= cooldown:
                fired = hits if cooldown <= 0 else 1
                rule.last_triggered_at = now
                rule.triggers.extend([now] * fired)

    def point_row(self, src_id: str, series: engine.Series, lo: int, hi: int) -> list[dict]:
        """Raw rows of points [lo, hi) of one source, shaped like ``dataPoint``."""
        src = self.sources[src_id]
        stamps = timeutil.format_many(series.ts.data[lo:hi])
        created_idx = series.created.data[lo:hi].tolist()
        created_text = {}
        seqs = series.seq.data[lo:hi].tolist()
        metas = series.meta_idx.data[lo:hi].tolist()
        values = series.values_range(lo, hi)
        rows = []
        for j in range(hi - lo):
            c = created_idx[j]
            if c not in created_text:
                created_text[c] = timeutil.format(series.created_times[c])
            rows.append({"_id": self.point_id(seqs[j]), "bucketId": src.bucket_id, "dataSourceId": src.id,
                         "timestamp": stamps[j], "values": values[j], "metadata": series.meta_table[metas[j]],
                         "createdAt": created_text[c]})
        return rows

    def query(self, bucket: Bucket, source_id: str | None, start: int | None, end: int | None,
              limit: int, offset: int, aggregation: str | None, group_by: str | None) -> engine.QueryResult:
        if source_id is not None:
            sources = [self._source_in(bucket, source_id)]
        else:
            sources = self.sources_of(bucket.id)
        return engine.query(
            [(s.id, s.series, s.downsampling) for s in sources], start, end, limit, offset,
            aggregation, group_by, self.point_row,
            lambda sid, t, values, count: {"timestamp": timeutil.format(t), "dataSourceId": sid,
                                           "values": values, "count": count},
        )

    # ---- alerts
    def alerts_of(self, bucket_id: str) -> list[AlertRule]:
        return [r for r in self.alerts.values() if r.bucket_id == bucket_id]

    def create_alert(self, bucket: Bucket, source_id: str, name: str, condition: str,
                     webhook_url: str, cooldown: float) -> AlertRule:
        src = self._source_in(bucket, source_id)
        parsed = parse_condition(condition)
        if parsed is None:
            raise invalid(["body", "condition"], "Could not parse condition")
        rule = AlertRule(self.new_id(), bucket.id, src.id, name, condition, parsed, webhook_url,
                         cooldown, self.now())
        self.alerts[rule.id] = rule
        return rule

    # ---- analytics
    def bucket_analytics(self, bucket: Bucket, period: str) -> dict:
        now = self.now()
        since = now - PERIOD_DAYS[period] * timeutil.MS_DAY
        sources = self.sources_of(bucket.id)
        stats, hours = [], {}
        total = in_period = 0
        for s in sources:
            series = s.series
            lo, hi = series.range(since, None)
            total += series.n
            in_period += hi - lo
            avg, mn, mx = {}, {}, {}
            for fname, col in series.num.items():
                vals = col.data[lo:hi]
                vals = vals[~np.isnan(vals)]
                if len(vals):
                    with np.errstate(all="ignore"):
                        a, lo_v, hi_v = float(vals.sum() / len(vals)), float(vals.min()), float(vals.max())
                    avg[fname], mn[fname], mx[fname] = (_finite(a), _finite(lo_v), _finite(hi_v))
            if hi > lo:
                keys = engine.interval_keys(series.ts.data[lo:hi], "hour")
                starts = engine._boundaries(keys)
                counts = [int(c) for c in np.diff(np.append(starts, hi - lo))]
                for st, c in zip(starts, counts, strict=True):
                    h = int(keys[st])
                    hours[h] = hours.get(h, 0) + c
            stats.append({
                "_id": s.id, "name": s.name, "dataPointCount": hi - lo,
                "lastDataPoint": timeutil.format(series.ts.data[series.n - 1]) if series.n else None,
                "avgValues": avg, "minValues": mn, "maxValues": mx,
            })
        rules = self.alerts_of(bucket.id)
        by_rule = [{"name": r.name, "count": sum(1 for t in r.triggers if t >= since)} for r in rules]
        days = PERIOD_DAYS[period]
        return {
            "bucket": {"_id": bucket.id, "name": bucket.name},
            "period": period,
            "summary": {
                "totalDataPoints": total,
                "dataPointsInPeriod": in_period,
                "avgDataPointsPerDay": int(math.floor(in_period / days + 0.5)),
                "dataSources": len(sources),
                "activeAlerts": sum(1 for r in rules if r.status == "active"),
            },
            "dataSourceStats": stats,
            "ingestionRate": {"dataPointsPerHour": [
                {"hour": timeutil.format(h), "count": c} for h, c in sorted(hours.items())]},
            "alertActivity": {"totalTriggered": sum(r["count"] for r in by_rule), "byRule": by_rule},
        }

    def overview(self) -> dict:
        now = self.now()
        day_ago = now - timeutil.MS_DAY
        points = 0
        last_ingest = None
        recent = 0
        storage = 0
        for s in self.sources.values():
            series = s.series
            points += series.n
            storage += series.nbytes()
            if series.n:
                created = series.created_array()
                latest = int(created.max())
                last_ingest = latest if last_ingest is None else max(last_ingest, latest)
                recent += int((created >= day_ago).sum())
        triggers = [t for r in self.alerts.values() for t in r.triggers]
        q = self.quota
        q.roll(now)
        limit = self.org.plan["maxApiCalls"]
        return {
            "organization": {"_id": self.org.id, "name": self.org.name},
            "totals": {"buckets": len(self.buckets), "dataSources": len(self.sources), "dataPoints": points,
                       "alertRules": len(self.alerts),
                       "apiKeys": sum(1 for k in self.key_ids.values() if k.type != "admin")},
            "usage": {"apiCallsThisMonth": q.used, "apiCallsLimit": limit,
                      "apiCallsPercentage": round(100.0 * q.used / limit, 1) if limit else 0.0,
                      "storageUsedBytes": storage, "storageUsedFormatted": _human_bytes(storage)},
            "plan": dict(self.org.plan),
            "recentActivity": {
                "lastDataIngestion": timeutil.format(last_ingest) if last_ingest is not None else None,
                "lastAlertTriggered": timeutil.format(max(triggers)) if triggers else None,
                "dataPointsLast24h": recent,
                "alertsTriggeredLast24h": sum(1 for t in triggers if t >= day_ago),
            },
        }


# ------------------------------------------------------------------ helpers

def _json_type(v) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "object" if isinstance(v, dict) else "array" if isinstance(v, list) else "null"


SMALL_BATCH = 16   # up to this many points, ingest point by point
_KINDS = {"number": {int, float}, "string": {str}, "boolean": {bool}}


def _fits_schema(schema: dict, fields: dict) -> bool:
    """Whether every value of the batch has its field's declared type (absent fields are fine)."""
    for name, f in fields.items():
        want = schema.get(name, {}).get("type")
        if not want:
            continue
        allowed = _KINDS.get(want)
        if allowed is None or f.has_null or not (f.kinds - {type(None)}) <= allowed:
            return False
    return True


def _point_path(prefix: list, i: int) -> list:
    return [*prefix, i] if prefix and prefix[-1] == "dataPoints" else list(prefix)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return f"{n} TB"


__all__ = ["Store", "Quota", "parse_condition", "ValidationFailed"]
