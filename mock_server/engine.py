"""The time-series engine: columnar storage per data source and the query semantics.

Layout (per data source): timestamps and ingestion times as int64 milliseconds, one
float64 column per numeric field (NaN where a point lacks it) with a one-byte flag that
keeps integers integers on the way out, a sequence number per point (global insertion
order, also the point's ID), and an int32 index into a table of distinct metadata
dictionaries (devices repeat the same metadata, so it is stored once). Strings and
booleans are not numeric: they live in a sparse side table. Points are kept sorted by
(timestamp, sequence); an out-of-order append marks the series unsorted and the next
read re-sorts it once.

The query functions are pure over series snapshots and follow DESIGN decisions 9, 20, 24.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from . import timeutil

INTERVALS = ("minute", "hour", "day", "week", "month")
_FIXED_MS = {"minute": timeutil.MS_MINUTE, "hour": timeutil.MS_HOUR, "day": timeutil.MS_DAY,
             "week": 7 * timeutil.MS_DAY}
_MONDAY = -3 * timeutil.MS_DAY  # 1969-12-29 was a Monday
DOWNSAMPLE_TARGET = 500


def is_numeric(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Column:
    """A growable numpy array."""

    __slots__ = ("data",)

    def __init__(self, dtype, capacity, fill=0):
        self.data = np.full(capacity, fill, dtype=dtype)

    def grow(self, capacity, fill):
        # realloc in place (mremap for large buffers): no second copy resident while growing, and no
        # freed buffers left behind in the heap. Safe: no view of a column outlives a single request.
        old = len(self.data)
        self.data.resize(capacity, refcheck=False)
        self.data[old:] = fill


@dataclass
class Series:
    """All points of one data source."""

    n: int = 0
    capacity: int = 0
    ts: _Column = None
    created: _Column = None      # int32 index into created_times (a batch shares one ingestion time)
    created_times: list = field(default_factory=list)
    seq: _Column = None
    meta_idx: _Column = None
    num: dict = field(default_factory=dict)       # field -> float64 column
    is_int: dict = field(default_factory=dict)    # field -> bool column
    other: dict = field(default_factory=dict)     # seq -> {field: str|bool|exact big int}
    meta_table: list = field(default_factory=list)
    meta_lookup: dict = field(default_factory=dict)
    sorted: bool = True

    def __post_init__(self):
        self._alloc(16)

    def _alloc(self, capacity):
        if self.ts is None:
            self.ts = _Column(np.int64, capacity)
            self.created = _Column(np.int32, capacity)
            self.seq = _Column(np.int64, capacity)
            self.meta_idx = _Column(np.int32, capacity)
        else:
            for col in (self.ts, self.created, self.seq, self.meta_idx):
                col.grow(capacity, 0)
            for col in self.num.values():
                col.grow(capacity, np.nan)
            for col in self.is_int.values():
                col.grow(capacity, False)
        self.capacity = capacity

    def _meta_index(self, metadata: dict) -> int:
        try:
            # flat metadata (the usual case): hashable; the type keeps 1, 1.0 and true apart
            key = tuple((k, type(v), v) for k, v in metadata.items())
            hash(key)
        except TypeError:
            key = json.dumps(metadata, sort_keys=True, separators=(",", ":"))
        idx = self.meta_lookup.get(key)
        if idx is None:
            idx = len(self.meta_table)
            self.meta_table.append(metadata)
            self.meta_lookup[key] = idx
        return idx

    def append_many(self, rows: list[tuple[int, int, int, dict, dict]]) -> None:
        """rows: (timestamp_ms, created_ms, seq, values, metadata)."""
        need = self.n + len(rows)
        if need > self.capacity:
            cap = self.capacity
            while cap < need:
                cap *= 2
            self._alloc(cap)
        last = int(self.ts.data[self.n - 1]) if self.n else None
        i = self.n
        ts, created, seq, midx = self.ts.data, self.created.data, self.seq.data, self.meta_idx.data
        for t, c, s, values, metadata in rows:
            if last is not None and t < last:
                self.sorted = False
            last = t if last is None or t > last else last
            if not self.created_times or self.created_times[-1] != c:
                self.created_times.append(c)
            ts[i], created[i], seq[i] = t, len(self.created_times) - 1, s
            midx[i] = self._meta_index(metadata)
            extra = None
            for name, v in values.items():
                if is_numeric(v):
                    f = float(v) if not isinstance(v, int) else _int_to_float(v)
                    col = self.num.get(name)
                    if col is None:
                        col = self.num[name] = _Column(np.float64, self.capacity, np.nan)
                        self.is_int[name] = _Column(np.bool_, self.capacity, False)
                    col.data[i] = f
                    if isinstance(v, int):
                        self.is_int[name].data[i] = True
                        if not math.isfinite(f) or int(f) != v:
                            extra = extra or {}
                            extra[name] = v
                else:
                    extra = extra or {}
                    extra[name] = v
            if extra:
                self.other[s] = extra
            i += 1
        self.n = i

    def ensure_sorted(self) -> None:
        if self.sorted:
            return
        n = self.n
        order = np.lexsort((self.seq.data[:n], self.ts.data[:n]))
        for col in (self.ts, self.created, self.seq, self.meta_idx):
            col.data[:n] = col.data[:n][order]
        for col in list(self.num.values()) + list(self.is_int.values()):
            col.data[:n] = col.data[:n][order]
        self.sorted = True

    def range(self, start: int | None, end: int | None) -> tuple[int, int]:
        """Index range [lo, hi) of points with start <= ts <= end."""
        self.ensure_sorted()
        ts = self.ts.data[: self.n]
        lo = 0 if start is None else int(np.searchsorted(ts, start, side="left"))
        hi = self.n if end is None else int(np.searchsorted(ts, end, side="right"))
        return lo, max(lo, hi)

    def created_at(self, i: int) -> int:
        return self.created_times[int(self.created.data[i])]

    def created_array(self) -> np.ndarray:
        """Ingestion time (ms) of every point."""
        return np.asarray(self.created_times, dtype=np.int64)[self.created.data[: self.n]]

    def point_values(self, i: int) -> dict:
        return self.values_range(i, i + 1)[0]

    def values_range(self, lo: int, hi: int) -> list[dict]:
        """The values of points [lo, hi) as ingested (integers stay integers), column by column."""
        out = [{} for _ in range(hi - lo)]
        for name, col in self.num.items():
            vals = col.data[lo:hi]
            present = np.flatnonzero(~np.isnan(vals))
            if not len(present):
                continue
            ints = self.is_int[name].data[lo:hi]
            finite = np.isfinite(vals)
            as_list = vals.tolist()
            int_mask = (ints & finite).tolist()
            for j in present.tolist():
                v = as_list[j]
                out[j][name] = int(v) if int_mask[j] else v
        if self.other:
            seqs = self.seq.data[lo:hi].tolist()
            for j, s in enumerate(seqs):
                extra = self.other.get(s)
                if extra:
                    out[j].update(extra)
        return out

    def metadata(self, i: int) -> dict:
        return self.meta_table[int(self.meta_idx.data[i])]

    def nbytes(self) -> int:
        cols = [self.ts, self.created, self.seq, self.meta_idx, *self.num.values(), *self.is_int.values()]
        return sum(c.data.nbytes for c in cols)


def _int_to_float(v: int) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


# ---------------------------------------------------------------- intervals

def interval_keys(ts: np.ndarray, group_by: str) -> np.ndarray:
    """Interval start (ms) of each timestamp, aligned to UTC (weeks from Monday, months on the 1st)."""
    if group_by == "month":
        months = ts.astype("datetime64[ms]").astype("datetime64[M]")
        return months.astype("datetime64[ms]").astype(np.int64)
    size = _FIXED_MS[group_by]
    if group_by == "week":
        return (ts - _MONDAY) // size * size + _MONDAY
    return ts // size * size


def _boundaries(keys: np.ndarray) -> np.ndarray:
    """Start indices of runs of equal keys in a sorted array."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(([0], np.flatnonzero(keys[1:] != keys[:-1]) + 1))


def count_groups(series: Series, lo: int, hi: int, group_by: str) -> int:
    if hi <= lo:
        return 0
    return len(_boundaries(interval_keys(series.ts.data[lo:hi], group_by)))


def aggregate(series: Series, lo: int, hi: int, aggregation: str, group_by: str):
    """Rows (interval_start_ms, {field: number|None}, count) for points [lo, hi)."""
    if hi <= lo:
        return []
    keys = interval_keys(series.ts.data[lo:hi], group_by)
    starts = _boundaries(keys)
    counts = np.diff(np.append(starts, hi - lo))
    per_field = {}
    for name, col in series.num.items():
        vals = col.data[lo:hi]
        present = ~np.isnan(vals)
        n = np.add.reduceat(present.astype(np.int64), starts)
        if not n.any():
            continue
        with np.errstate(all="ignore"):
            if aggregation == "count":
                res = n.astype(np.float64)
            elif aggregation in ("sum", "avg"):
                s = np.add.reduceat(np.where(present, vals, 0.0), starts)
                res = s if aggregation == "sum" else s / np.maximum(n, 1)
            elif aggregation == "min":
                res = np.fmin.reduceat(vals, starts)
            else:
                res = np.fmax.reduceat(vals, starts)
        per_field[name] = (res, n)
    rows = []
    for g, start in enumerate(starts):
        values = {}
        for name, (res, n) in per_field.items():
            if n[g]:
                v = float(res[g])
                if aggregation == "count":
                    values[name] = int(n[g])
                else:
                    values[name] = v if math.isfinite(v) else None
        rows.append((int(keys[start]), values, int(counts[g])))
    return rows


# ---------------------------------------------------------------- query

@dataclass
class QueryResult:
    rows: list            # dicts ready for JSON
    total: int
    downsampling_applied: bool
    aggregation: str | None
    group_by: str | None


def query(sources, start, end, limit, offset, aggregation, group_by, point_row, agg_row) -> QueryResult:
    """Run a query over ``sources``: an iterable of (source_id, Series, downsampling_enabled).

    ``point_row(source_id, series, lo, hi)`` shapes the raw rows of points [lo, hi);
    ``agg_row(source_id, start_ms, values, count)`` shapes an aggregated row.
    """
    spans = []
    for sid, series, ds in sources:
        lo, hi = series.range(start, end)
        if hi > lo:
            spans.append((sid, series, ds, lo, hi))
    total_points = sum(hi - lo for *_, lo, hi in spans)
    applied = False
    if aggregation is None and total_points > DOWNSAMPLE_TARGET and all(ds for _, _, ds, _, _ in spans):
        aggregation, applied = "avg", True
        group_by = INTERVALS[-1]
        for candidate in INTERVALS:
            if sum(count_groups(s, lo, hi, candidate) for _, s, _, lo, hi in spans) <= DOWNSAMPLE_TARGET:
                group_by = candidate
                break
    if aggregation is None:
        return QueryResult(_raw_page(spans, limit, offset, point_row), total_points, False, None, None)
    rows = []
    for sid, series, _, lo, hi in spans:
        for t, values, count in aggregate(series, lo, hi, aggregation, group_by):
            rows.append((t, sid, values, count))
    rows.sort(key=lambda r: (r[0], r[1]))
    page = [agg_row(sid, t, values, count) for t, sid, values, count in rows[offset: offset + limit]]
    return QueryResult(page, len(rows), applied, aggregation, group_by)


def _raw_page(spans, limit, offset, point_row):
    if not spans:
        return []
    if len(spans) == 1:
        sid, series, _, lo, hi = spans[0]
        a = min(hi, lo + offset)
        b = min(hi, a + limit)
        return point_row(sid, series, a, b)
    # Merge several sources by (timestamp, insertion sequence): only the first offset+limit matter.
    want = offset + limit
    parts_ts, parts_seq, parts_src, parts_idx = [], [], [], []
    for k, (_, series, _, lo, hi) in enumerate(spans):
        hi = min(hi, lo + want)
        parts_ts.append(series.ts.data[lo:hi])
        parts_seq.append(series.seq.data[lo:hi])
        parts_src.append(np.full(hi - lo, k, dtype=np.int32))
        parts_idx.append(np.arange(lo, hi))
    ts, seq = np.concatenate(parts_ts), np.concatenate(parts_seq)
    src, idx = np.concatenate(parts_src), np.concatenate(parts_idx)
    order = np.lexsort((seq, ts))[offset:want]
    return [point_row(spans[src[j]][0], spans[src[j]][1], int(idx[j]), int(idx[j]) + 1)[0] for j in order]
