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

import itertools
import json
import math
import operator
from dataclasses import dataclass, field

import numpy as np
import orjson

from ...core import timeutil

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
        self.data.resize(capacity, refcheck=False)   # numpy zero-fills the new part
        if fill:
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

    def _meta_indexes(self, metas: list[dict]) -> np.ndarray:
        """The index of each metadata dictionary in the shared table, adding the new ones.

        Keyed by the dictionary's JSON text (order kept): 1, 1.0 and true stay apart."""
        try:
            keys = list(map(orjson.dumps, metas))
        except TypeError:   # integers beyond 64 bits, keys that are not strings (fixtures)
            keys = [_meta_key(m) for m in metas]
        idx = list(map(self.meta_lookup.get, keys))
        if None in idx:
            for j, k in enumerate(keys):
                if idx[j] is None:
                    idx[j] = self._meta_slot(k, metas[j])
        return np.array(idx, dtype=np.int32)

    def _meta_slot(self, key: bytes, metadata: dict) -> int:
        """The table index of the metadata with JSON text ``key``, adding it when new."""
        idx = self.meta_lookup.get(key)
        if idx is None:
            idx = self.meta_lookup[key] = len(self.meta_table)
            self.meta_table.append(metadata)
        return idx

    def append_batch(self, ts: np.ndarray, created: int, seqs: np.ndarray, values: list[dict],
                     metas: list[dict], fields: dict[str, BatchField] | None = None) -> None:
        """Append points column by column: ``ts``/``seqs`` int64 arrays, one ingestion time,
        the values and metadata dictionaries, and ``fields`` = ``batch_fields(values)``."""
        k = len(ts)
        if not k:
            return
        fields = batch_fields(values) if fields is None else fields
        i0, need = self.n, self.n + k
        if need > self.capacity:
            cap = self.capacity
            while cap < need:
                cap *= 2
            self._alloc(cap)
        if self.sorted and ((i0 and ts[0] < self.ts.data[i0 - 1]) or (k > 1 and (ts[1:] < ts[:-1]).any())):
            self.sorted = False
        if not self.created_times or self.created_times[-1] != created:
            self.created_times.append(created)
        self.ts.data[i0:need] = ts
        self.created.data[i0:need] = len(self.created_times) - 1
        self.seq.data[i0:need] = seqs
        self.meta_idx.data[i0:need] = self._meta_indexes(metas)
        extras: dict[int, dict] = {}
        for name, f in fields.items():
            if f.floats is not None:
                self._column(name).data[i0:need] = f.floats
                self.is_int[name].data[i0:need] = False if f.is_int is None else f.is_int
                continue
            for j, v in enumerate(values):   # mixed kinds, nulls, huge integers: point by point
                if name in v and self._put(i0 + j, name, v[name]):
                    extras.setdefault(j, {})[name] = v[name]
        for j, extra in extras.items():
            self.other[int(seqs[j])] = extra
        self.n = need

    def append_point(self, t: int, created: int, seq: int, values: dict, metadata: dict) -> None:
        """One point, without numpy's per-call costs (what ``append_batch`` does for a batch of one)."""
        i = self.n
        if i >= self.capacity:
            self._alloc(self.capacity * 2)
        if i and self.sorted and t < self.ts.data[i - 1]:
            self.sorted = False
        if not self.created_times or self.created_times[-1] != created:
            self.created_times.append(created)
        self.ts.data[i], self.created.data[i], self.seq.data[i] = t, len(self.created_times) - 1, seq
        self.meta_idx.data[i] = self._meta_slot(_meta_key(metadata), metadata)
        extra = {name: v for name, v in values.items() if self._put(i, name, v)}
        if extra:
            self.other[seq] = extra
        self.n = i + 1

    def _put(self, i: int, name: str, v) -> bool:
        """Write value ``v`` of field ``name`` into slot ``i``; True when the side table must keep it
        (not a number, or an integer a float64 cannot hold exactly)."""
        if not is_numeric(v):
            return True
        f = float(v) if not isinstance(v, int) else _int_to_float(v)
        self._column(name).data[i] = f
        if isinstance(v, int):
            self.is_int[name].data[i] = True
            return not math.isfinite(f) or int(f) != v
        return False

    def _column(self, name: str) -> _Column:
        col = self.num.get(name)
        if col is None:
            col = self.num[name] = _Column(np.float64, self.capacity, np.nan)
            self.is_int[name] = _Column(np.bool_, self.capacity, False)
        return col

    def append_many(self, rows: list[tuple[int, int, int, dict, dict]]) -> None:
        """rows: (timestamp_ms, created_ms, seq, values, metadata); ``append_batch`` per ingestion time."""
        for created, run in itertools.groupby(rows, key=lambda r: r[1]):
            run = list(run)
            self.append_batch(np.fromiter((r[0] for r in run), np.int64, len(run)), created,
                              np.fromiter((r[2] for r in run), np.int64, len(run)),
                              [r[3] for r in run], [r[4] for r in run])

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


_NONE = type(None)
_PLAIN = {float, int, _NONE}
_EXACT = 2 ** 53   # integers below this size survive a float64 exactly (2**53 + 1 rounds to it)


@dataclass(slots=True)
class BatchField:
    """One field across a batch of points."""

    raw: list                      # the value per point, None where absent
    kinds: set                     # the Python types in ``raw`` (NoneType: absent or null)
    has_null: bool                 # some point sends an explicit null
    floats: np.ndarray | None      # float64 per point (NaN where absent) when the field is plainly numeric
    is_int: np.ndarray | None      # which of ``floats`` were integers (None: none were)


def batch_fields(values: list[dict]) -> dict[str, BatchField]:
    """Columns of a batch of values dictionaries, field by field, in first-seen order."""
    out = {}
    n = len(values)
    names = list(values[0]) if n else []
    uniform = sum(map(len, values)) == n * len(names)
    raws = {}
    for name in names:
        raws[name] = raw = list(map(dict.get, values, itertools.repeat(name)))
        uniform = uniform and None not in raw
    if not uniform:   # some point lacks or adds a field: the union of fields, in first-seen order
        for name in dict.fromkeys(itertools.chain.from_iterable(values)):
            if name not in raws:
                raws[name] = list(map(dict.get, values, itertools.repeat(name)))
    for name, raw in raws.items():
        kinds = set(map(type, raw))
        has_null = _NONE in kinds and any(name in v and v[name] is None for v in values)
        floats = is_int = None
        if kinds <= _PLAIN and not has_null and kinds != {_NONE}:
            try:
                floats = np.array(raw, dtype=np.float64)
            except OverflowError:
                floats = None
            if floats is not None and int in kinds:
                is_int = (~np.isnan(floats) if float not in kinds
                          else np.fromiter(map(operator.is_, map(type, raw), itertools.repeat(int)), np.bool_, n))
                if (np.abs(floats[is_int]) >= _EXACT).any():
                    floats = is_int = None   # the slow path keeps the exact integer
        out[name] = BatchField(raw, kinds, has_null, floats, is_int)
    return out


def _meta_key(metadata: dict) -> bytes:
    try:
        return orjson.dumps(metadata)
    except TypeError:
        return json.dumps(metadata, separators=(",", ":"), default=str).encode()


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
