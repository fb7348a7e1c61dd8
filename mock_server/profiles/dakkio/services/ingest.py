"""Ingest: points stored all or nothing, typed against their source's schema (decisions 7, 8, 18).

A batch goes column by column (one pass per field, not per point). A few points (a device's
single reading) go point by point: numpy's fixed cost per call would dominate. Both paths store
the same thing (tested against each other).
"""

from __future__ import annotations

import itertools
import operator

import numpy as np

from ....core import timeutil
from ....core.errors import NotFound
from .. import engine
from ..errors import SOURCE_NOT_FOUND
from ..model import Bucket, Ingested
from ..state import State
from . import alerts

SMALL_BATCH = 16   # up to this many points, ingest point by point
_KINDS = {"number": {int, float}, "string": {str}, "boolean": {bool}}


class PointInvalid(Exception):
    """Point ``index`` of the request is refused at ``where`` (e.g. ``["values", "temp"]``)."""

    def __init__(self, index: int, where: list, message: str):
        super().__init__(message)
        self.index, self.where, self.message = index, where, message


def ingest(state: State, bucket: Bucket, points: list[dict]) -> Ingested:
    """Store ``points`` (each ``{dataSourceId, values, timestamp?, metadata?}``) all or nothing."""
    now = state.now()
    n = len(points)
    if not n:
        return Ingested(0, state.ids.seq + 1, np.empty(0, dtype=np.int64), now)
    ids = list(map(operator.itemgetter("dataSourceId"), points))
    by_raw = {}
    for raw in ([ids[0]] if ids.count(ids[0]) == n else dict.fromkeys(ids)):
        src = state.sources.get(raw.lower())
        if src is None or src.bucket_id != bucket.id:
            raise NotFound(SOURCE_NOT_FOUND)
        by_raw[raw] = src
    if n <= SMALL_BATCH:
        return _ingest_points(state, points, by_raw, now)
    if len({s.id for s in by_raw.values()}) == 1:
        groups = [(next(iter(by_raw.values())), None)]
    else:
        rows: dict[str, list[int]] = {}
        for i, raw in enumerate(ids):
            rows.setdefault(by_raw[raw].id, []).append(i)
        groups = [(state.sources[sid], np.array(idx, dtype=np.int64)) for sid, idx in rows.items()]
    prepared = []
    for src, idx in groups:
        pts = points if idx is None else [points[i] for i in idx.tolist()]
        values = list(map(operator.itemgetter("values"), pts))
        fields = engine.batch_fields(values)
        if not _fits_schema(src.schema, fields):
            _raise_first_mismatch(points, by_raw)
        prepared.append((src, idx, pts, values, fields))
    ts = _timestamps(points, now)
    first = state.ids.take(n)
    seqs = np.arange(first, first + n, dtype=np.int64)
    for src, idx, pts, values, fields in prepared:
        metas = list(map(dict.get, pts, itertools.repeat("metadata")))
        if None in metas:
            metas = [m or {} for m in metas]
        if idx is None:
            src.series.append_batch(ts, now, seqs, values, metas, fields)
        else:
            src.series.append_batch(ts[idx], now, seqs[idx], values, metas, fields)
        group_ts = ts if idx is None else ts[idx]
        for rule in alerts.active_rules(state, src):
            _alert(state, src, rule, alerts.hits_in_columns(rule, fields, group_ts), idx, points, ts, now)
    return Ingested(n, first, ts, now)


def _ingest_points(state: State, points: list[dict], by_raw: dict, now: int) -> Ingested:
    _raise_first_mismatch(points, by_raw)
    stamps = []
    for i, p in enumerate(points):
        t = p.get("timestamp")
        ms = now if t is None else timeutil.parse(t)
        if ms is None:
            raise PointInvalid(i, ["timestamp"], "Invalid datetime")
        stamps.append(ms)
    first = state.ids.take(len(points))
    by_source: dict[str, list[int]] = {}
    for i, p in enumerate(points):
        src = by_raw[p["dataSourceId"]]
        src.series.append_point(stamps[i], now, first + i, p["values"], p.get("metadata") or {})
        by_source.setdefault(src.id, []).append(i)
    for sid, rows in by_source.items():
        src = state.sources[sid]
        for rule in alerts.active_rules(state, src):
            hits = alerts.hits_in_values(rule, [points[i]["values"] for i in rows], [stamps[i] for i in rows])
            _alert(state, src, rule, hits, rows, points, stamps, now)
    return Ingested(len(points), first, np.array(stamps, dtype=np.int64), now)


def _alert(state: State, src, rule, hits, rows, points: list[dict], stamps, now: int) -> None:
    """Fire ``rule`` on ``hits`` (positions among ``rows``, the request's points of ``src``; None:
    all of them) and announce every trigger with the point that fired it."""
    for k in alerts.fire(rule, hits, now):
        i = int(k) if rows is None else int(rows[k])
        alerts.announce(state, rule, src, points[i], stamps[i], now)


def _timestamps(points: list[dict], now: int) -> np.ndarray:
    stamps = list(map(dict.get, points, itertools.repeat("timestamp")))
    if None not in stamps:
        ts = timeutil.parse_many(stamps)
    else:
        ts = np.full(len(points), now, dtype=np.int64)
        given = [i for i, t in enumerate(stamps) if t is not None]
        ts[given] = timeutil.parse_many([stamps[i] for i in given])
    bad = np.flatnonzero(ts == timeutil.NOT_PARSED)
    if len(bad):
        raise PointInvalid(int(bad[0]), ["timestamp"], "Invalid datetime")
    return ts


def _raise_first_mismatch(points: list[dict], by_raw: dict) -> None:
    """The first value (in request order) whose type differs from its source's schema."""
    for i, p in enumerate(points):
        schema = by_raw[p["dataSourceId"]].schema
        for fname, value in p["values"].items():
            want = schema.get(fname, {}).get("type")
            if want and json_type(value) != want:
                raise PointInvalid(i, ["values", fname], f"Expected {want}, received {json_type(value)}")


def json_type(v) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "object" if isinstance(v, dict) else "array" if isinstance(v, list) else "null"


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
