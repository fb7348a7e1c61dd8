"""The vectorised batch ingest path against plain-Python, point-by-point references.

* ``timeutil.parse_many`` (numpy fast path, one-entry cache, per-item fallback) against ``parse``;
* values and metadata of ingested points round trip exactly (ints stay ints, bools stay bools,
  big integers exact) through ``engine.batch_fields`` / ``Series.append_batch``;
* ``ingest.ingest`` rejects the first wrong-typed value in request order, and stores nothing (and the
  data handler reports it where it is in the request body);
* alert rules evaluated on batch columns fire exactly as a sequential loop over the points.
"""

from __future__ import annotations

import operator
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mock_server.core import timeutil
from mock_server.core.errors import BadRequest
from mock_server.profiles.dakkio import views
from mock_server.profiles.dakkio.errors import INVALID_PARAMS
from mock_server.profiles.dakkio.handlers.data import _stored
from mock_server.profiles.dakkio.services import alerts, buckets, data, data_sources, ingest
from mock_server.profiles.dakkio.state import State

T0 = timeutil.parse("2024-01-15T10:00:00Z")
BATCH = ["body", "dataPoints"]   # where the handlers report a refused point: in a batch
SINGLE = ["body"]                # or a single point
SETTINGS = {"deadline": None, "derandomize": True, "database": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
# State scenarios are big: shrinking one can take minutes, so they report the failing example as drawn
# (the minimal cases found that way are pinned as plain tests below).
NO_SHRINK = {**SETTINGS, "phases": [Phase.explicit, Phase.reuse, Phase.generate]}


class Clock:
    def __init__(self, t=T0):
        self.t = t

    def __call__(self):
        return self.t


# ====================================================================== parse_many

FAST_WIDTHS = [20, *range(22, 41)]            # the widths the numpy fast path takes
COMMON_WIDTHS = [20, 22, 23, 24, 26, 29, 30]  # no fraction, 1, 2, 3, 5, 8, 9 digits


def month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def ref_ms(year, month, day, hour, minute, second, frac) -> int:
    """Epoch ms of a UTC date-time, from ``datetime.date`` (year 0 via the 146097-day Gregorian cycle)."""
    days = (date(year or 400, month, day) - date(1970, 1, 1)).days - (0 if year else 146097)
    ms = int((frac + "00")[:3]) if frac else 0   # finer digits are truncated
    return days * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms


def ref_parse_many(values: list) -> list[int]:
    out = []
    for v in values:
        ms = timeutil.parse(v)
        out.append(timeutil.NOT_PARSED if ms is None else ms)
    return out


LEAP_DAYS = st.sampled_from([0, 4, 400, 1600, 1972, 2000, 2024, 9996]).map(lambda y: (y, 2, 29))


@st.composite
def dates(draw):
    if draw(st.integers(0, 5)) == 0:
        return draw(LEAP_DAYS)
    year = draw(st.sampled_from([0, 1, 99, 100, 1582, 1899, 1900, 1969, 1970, 1999, 2000, 2100, 9999])
                | st.integers(0, 9999))
    month = draw(st.sampled_from([2, 2, 12]) | st.integers(1, 12))
    day = draw(st.integers(1, month_days(year, month)) | st.just(month_days(year, month)) | st.just(1))
    return year, month, day


@st.composite
def stamp_parts(draw, width: int):
    """Components of a valid ``YYYY-MM-DDTHH:MM:SS[.f+]Z`` of the given width, and its text."""
    year, month, day = draw(dates())
    hour = draw(st.sampled_from([0, 23]) | st.integers(0, 23))
    minute = draw(st.sampled_from([0, 59]) | st.integers(0, 59))
    second = draw(st.sampled_from([0, 59]) | st.integers(0, 59))
    digits = width - 21
    frac = ""
    if digits > 0:
        frac = f"{draw(st.integers(0, 10**digits - 1) | st.sampled_from([0, 10**digits - 1])):0{digits}d}"
    t, z = draw(st.sampled_from("TTTt")), draw(st.sampled_from("ZZZz"))
    text = f"{year:04d}-{month:02d}-{day:02d}{t}{hour:02d}:{minute:02d}:{second:02d}"
    text += f".{frac}{z}" if frac else z
    assert len(text) == width
    return text, ref_ms(year, month, day, hour, minute, second, frac)


def widths():
    return st.sampled_from(COMMON_WIDTHS) | st.sampled_from(FAST_WIDTHS)


def sizes(max_size: int):
    """Batch sizes on both sides of the small-batch cut-offs (a handful of points is cheaper one by one)."""
    return st.sampled_from([1, 2, 15, 16, 17, 20, 32, max_size]) | st.integers(1, max_size)


@st.composite
def uniform_valid(draw, max_size=40, min_size=1):
    """Rows of one width: a few distinct date-times, repeated in any order (devices resend little)."""
    width = draw(widths())
    n = draw(sizes(max_size) if min_size == 1 else st.integers(min_size, max_size))
    distinct = draw(st.lists(stamp_parts(width), min_size=1, max_size=min(n, 8)))
    return [distinct[i] for i in draw(st.lists(st.integers(0, len(distinct) - 1), min_size=n, max_size=n))]


BAD_DIGITS = ["a", " ", "/", ":", "\u0661", "\u0660", "\uff15", "\u00b2", "\u0969"]  # ١ ٠ ５ ² ३


@st.composite
def corrupt(draw, text: str) -> str:
    """``text`` with one defect, same length (so the list keeps its width and takes the fast path)."""
    width = len(text)
    # (the row may carry a defect already)
    year, month = (int(x) if x.isascii() and x.isdigit() else 1 for x in (text[:4], text[5:7]))
    kind = draw(st.sampled_from(["month", "day", "day", "hour", "minute", "second", "digit", "separator",
                                 "separator", "any"]))
    if kind == "month":
        return text[:5] + draw(st.sampled_from(["00", "13", "19", "99"])) + text[7:]
    if kind == "day":
        if draw(st.booleans()):   # February 29 in a common year, 30 in a leap year
            return text[:5] + ("02-30" if month_days(year, 2) == 29 else "02-29") + text[10:]
        bad = ["00", "32", "39", f"{month_days(year, month) + 1:02d}"]
        return text[:8] + draw(st.sampled_from(bad)) + text[10:]
    if kind == "hour":
        return text[:11] + draw(st.sampled_from(["24", "25", "99"])) + text[13:]
    if kind == "minute":
        return text[:14] + draw(st.sampled_from(["60", "99"])) + text[16:]
    if kind == "second":
        return text[:17] + draw(st.sampled_from(["60", "61", "99"])) + text[19:]
    if kind == "digit":
        digit_positions = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, *range(20, width - 1)]
        pos = draw(st.sampled_from(digit_positions))
        return text[:pos] + draw(st.sampled_from(BAD_DIGITS)) + text[pos + 1:]
    if kind == "separator":
        positions = [4, 7, 10, 13, 16, 19, width - 1]
        pos = draw(st.sampled_from(positions))
        bad = draw(st.sampled_from(["/", " ", "-", ":", ".", ",", "x", "T", "Z", "+", "\u2010"]))
        return text[:pos] + bad + text[pos + 1:]
    pos = draw(st.integers(0, width - 1))
    return text[:pos] + draw(st.sampled_from("0123456789-:.TtZz+ \u0661a")) + text[pos + 1:]


@st.composite
def with_offset(draw):
    """A date-time with a numeric offset (valid or not), some at the 0000 / 9999 edges."""
    if draw(st.booleans()):
        base = draw(st.sampled_from(["0000-01-01T00:00:00", "0000-01-01T00:59:59.999", "9999-12-31T23:59:59",
                                     "9999-12-31T23:00:00.5", "1970-01-01T00:00:00"]))
    else:
        base = draw(stamp_parts(draw(st.sampled_from([20, 24]))))[0][:-1]
    sign = draw(st.sampled_from("+-"))
    oh = draw(st.sampled_from([0, 1, 5, 14, 23, 24, 99]))
    om = draw(st.sampled_from([0, 1, 30, 59, 60]))
    return f"{base}{sign}{oh:02d}:{om:02d}"


NON_STRINGS = st.sampled_from([None, 0, 1, 20240115, 1.5, True, b"2024-01-15T10:00:00Z"])


@st.composite
def stamp_lists(draw):
    kind = draw(st.sampled_from(["valid", "valid", "corrupted", "corrupted", "mixed", "offsets",
                                 "non_strings", "uniform_offsets"]))
    if kind == "valid":
        return [t for t, _ in draw(uniform_valid())]
    if kind == "corrupted":
        rows = [t for t, _ in draw(uniform_valid())]
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(rows) - 1))
            rows[i] = draw(corrupt(rows[i]))
        return rows
    if kind == "mixed":   # several widths: the per-item path
        n = draw(sizes(30))
        rows = widths().flatmap(stamp_parts).map(operator.itemgetter(0))
        return draw(st.lists(rows, min_size=n, max_size=n))
    if kind == "offsets":
        rows = [t for t, _ in draw(uniform_valid(max_size=30))]
        for _ in range(draw(st.integers(1, 3))):
            rows.insert(draw(st.integers(0, len(rows))), draw(with_offset()))
        return rows
    if kind == "uniform_offsets":   # one width (so the fast path is tried), but offsets everywhere
        n = draw(sizes(20))
        return draw(st.lists(with_offset().filter(lambda s: len(s) == 25), min_size=n, max_size=n))
    rows = [t for t, _ in draw(uniform_valid(max_size=30))]
    for _ in range(draw(st.integers(1, 3))):
        rows.insert(draw(st.integers(0, len(rows))), draw(NON_STRINGS))
    return rows


def check_parse_many(values: list) -> None:
    got = timeutil.parse_many(values)
    assert isinstance(got, np.ndarray), (values, got)
    assert got.dtype == np.int64 and got.shape == (len(values),), (values, got)
    assert got.tolist() == ref_parse_many(values), values


def resplits(values: list) -> list[list[str]]:
    """The same concatenated text cut into rows of every other width the fast path takes."""
    if not values or not all(isinstance(v, str) for v in values):
        return []
    text = "".join(values)
    return [[text[i:i + w] for i in range(0, len(text), w)]
            for w in FAST_WIDTHS if w != len(values[0]) and len(text) % w == 0]


@settings(max_examples=200, **SETTINGS)
@given(stamp_lists())
def test_parse_many_matches_parse(values):
    check_parse_many(values)
    check_parse_many(values)                     # the cached batch
    first = timeutil.parse_many(values)
    first[:] = 0                                 # a caller writing into its result cannot spoil the cache
    check_parse_many(values)
    check_parse_many(list(values))               # equal list, another object
    for other in resplits(values):               # equal text, other rows: must not hit the cache
        check_parse_many(other)
        check_parse_many(values)


@settings(max_examples=150, **SETTINGS)
@given(uniform_valid(max_size=40, min_size=16), st.data())
def test_parse_many_one_bad_row_in_a_batch(rows, data):
    """A batch the fast path takes, but for one or two rows: only those rows may change."""
    texts = [t for t, _ in rows]
    for _ in range(data.draw(st.integers(1, 2))):
        i = data.draw(st.integers(0, len(texts) - 1))
        texts[i] = data.draw(corrupt(texts[i]))
    check_parse_many(texts)
    check_parse_many(texts)


@settings(max_examples=100, **SETTINGS)
@given(uniform_valid(max_size=40))
def test_parse_many_valid_rows_match_calendar(rows):
    texts = [t for t, _ in rows]
    want = [ms for _, ms in rows]
    assert [timeutil.parse(t) for t in texts] == want
    assert timeutil.parse_many(texts).tolist() == want
    assert timeutil.parse_many(texts).tolist() == want   # again, from the cache


@pytest.mark.parametrize("values", [
    [],
    ["2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z"],
    ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"],
    ["2024-01-15t10:00:00.1z", "2024-01-15T10:00:00.1Z"],
    ["2024-01-15T24:00:00Z"], ["2024-01-15T23:60:00Z"], ["2024-01-15T23:59:60Z"],
    ["2024-01-15T10:00:00Z", "2024-01-15T10:00:0\u0661Z"],
    ["2024-01-15T10:00:00Z", "2024-01-15 10:00:00Z"], ["2024-01-15T10:00:00.5Z", "2024-01-15T10:00:00,5Z"],
    ["2024-01-15T10:00:00Z", "2024-01-15T10:00:00X"], ["2024-01-15T10:00:00Z", "2024/01-15T10:00:00Z"],
    ["2024-01-15T10:00:00Z", "2024-01-15T10:00:00+01:00"],
    ["0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01", "0000-01-01T00:00:00-00:01"],
    ["2024-01-15T10:00:00Z", None, 5],
])
def test_parse_many_edges(values):
    for batch in (values, values * 16, values * 16):   # a handful of rows, then a batch (twice: the cache)
        check_parse_many(batch)


def test_parse_many_cache_is_keyed_by_rows_not_only_text():
    """Minimal: 32 rows of width 20, then the same text as 16 rows of width 40 (not date-times)."""
    rows = ["2020-01-01T00:00:00Z"] * 32
    pairs = ["2020-01-01T00:00:00Z" * 2] * 16
    assert timeutil.parse_many(rows).tolist() == [1577836800000] * 32
    assert timeutil.parse_many(pairs).tolist() == [timeutil.NOT_PARSED] * 16


# ====================================================================== values round trip

FIELDS = ["a", "b", "c", "d"]
FINITE = st.floats(allow_nan=False, allow_infinity=False)
SMALL_INTS = st.integers(-10**6, 10**6) | st.sampled_from([0, 1, -1, 2**53 - 1, 2**53, -(2**53)])
BIG_INTS = st.sampled_from([2**53 + 1, -(2**53 + 1), 2**53 + 2, 2**63 - 1, 2**63, 2**64 + 1, -(2**64),
                            10**30, 10**308, 10**400, -(10**400)]) | st.integers(2**53 + 1, 2**70)
STRINGS = st.sampled_from(["", "1", "1.0", "true", "null", "NaN", "x", "\u00e9"])
VALUE_MODES = {
    "float": FINITE | st.sampled_from([0.0, -0.0, 1.0, 2.0**53, 1e308, 5e-324]),
    "int": SMALL_INTS,
    "num": SMALL_INTS | FINITE,
    "big": SMALL_INTS | FINITE | BIG_INTS,
    "near_2_53": SMALL_INTS | st.integers(2**53 - 2, 2**53 + 2) | st.integers(-(2**53) - 2, -(2**53) + 2),
    "any": SMALL_INTS | FINITE | BIG_INTS | st.booleans() | STRINGS | st.none(),
}
METAS = [{}, {"a": 1}, {"a": 1.0}, {"a": True}, {"a": "1"}, {"a": None}, {"a": 0}, {"a": 0.0}, {"a": -0.0},
         {"a": False}, {"a": 2**63}, {"a": 10**30}, {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": {"b": 1}},
         {"a": {"b": 1.0}}, {"a": [1, 1.0, True]}, {"a": [True, 1, 1.0]}, {"device": "ESP32-001"}]


class _Missing:
    def __repr__(self):
        return "MISSING"


MISSING = _Missing()   # a point without metadata


def typed(v):
    """``v`` with every leaf tagged by its exact type (floats by repr, so -0.0 and 0.0 differ)."""
    if isinstance(v, dict):
        return ("dict", [(k, typed(x)) for k, x in v.items()])
    if isinstance(v, list):
        return ("list", [typed(x) for x in v])
    if isinstance(v, float):
        return ("float", repr(v))
    return (type(v).__name__, v)


def typed_values(v: dict):
    return sorted((k, typed(x)) for k, x in v.items())   # the state does not keep the field order


STAMP_POOL = ["2024-01-15T10:00:00Z", "2024-01-15T09:59:59.999Z", "2024-01-15T10:00:00.000Z",
              "2024-01-15t10:00:00z", "2024-01-15T11:00:00+01:00", "2024-01-14T00:00:00Z",
              "2023-12-31T23:59:59Z", "2024-02-29T12:00:00.5Z", "1970-01-01T00:00:00Z",
              "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "2024-01-15T10:00:00.123456789Z"]


@st.composite
def value_batches(draw, n_sources: int, modes: dict = VALUE_MODES, max_points: int = 40):
    """A batch: points (source index, timestamp or None, values, metadata or MISSING, upper-case id)."""
    field_modes = {f: draw(st.sampled_from(sorted(modes))) for f in FIELDS}
    dense = draw(st.lists(st.sampled_from(FIELDS), unique=True)) if draw(st.booleans()) else None
    present = st.sampled_from([True, True, True, False])
    uniform_stamps = draw(st.booleans())   # one shape for the whole batch: the parse_many fast path
    points = []
    for _ in range(draw(sizes(max_points))):
        if dense:   # every point has the same fields (in its own order)
            names = draw(st.permutations(dense))
        else:
            names = [f for f in draw(st.permutations(FIELDS)) if draw(present)]
            names = names or [draw(st.sampled_from(FIELDS))]
        values = {f: draw(modes[field_modes[f]]) for f in names}
        if uniform_stamps:
            ts = timeutil.format(draw(st.integers(T0 - 10**7, T0 + 10**7)) // 1000 * 1000)
        else:
            ts = draw(st.sampled_from(STAMP_POOL) | st.none())
        meta = draw(st.sampled_from(METAS) | st.just(MISSING))
        points.append((draw(st.integers(0, n_sources - 1)), ts, values, meta, draw(st.booleans())))
    return points


@st.composite
def round_trip_scenarios(draw):
    n_sources = draw(st.integers(1, 3))
    batches = draw(st.lists(st.tuples(value_batches(n_sources), st.sampled_from([0, 1, 1000, 3_600_000]),
                                      st.booleans()), min_size=1, max_size=4))
    return n_sources, batches


def make_world(n_sources: int, schemas=None):
    clock = Clock()
    state = State(seed=7, clock=clock)
    bucket = buckets.create(state, "b", None)
    other = buckets.create(state, "other", None)
    data_sources.create(state, other, "foreign", "sensor", None, {}, False)   # never shown in ``bucket``
    sources = [data_sources.create(state, bucket, f"s{i}", "sensor", None, (schemas or [{}] * n_sources)[i], False)
               for i in range(n_sources)]
    return clock, state, bucket, sources


def request(sources, points) -> list[dict]:
    body = []
    for src_i, ts, values, meta, upper in points:
        p = {"dataSourceId": sources[src_i].id.upper() if upper else sources[src_i].id, "values": values}
        if ts is not None:
            p["timestamp"] = ts
        if meta is not MISSING:
            p["metadata"] = meta
        body.append(p)
    return body


def query(state, bucket, source_id):
    return data.query(state, bucket, source_id, None, None, 1000, 0, None, None, views.point_rows(state),
                      views.aggregated_row)


def raw_rows(state, bucket):
    return query(state, bucket, None)


@settings(max_examples=80, **NO_SHRINK)
@given(round_trip_scenarios())
def test_values_and_metadata_round_trip_exactly(scenario):
    n_sources, batches = scenario
    clock, state, bucket, sources = make_world(n_sources)
    expected = []   # (ts, seq, source index, values, metadata, created)
    seq = 0
    for points, advance, query_after in batches:
        clock.t += advance
        got = ingest.ingest(state, bucket, request(sources, points))
        stamps = [clock.t if ts is None else timeutil.parse(ts) for _, ts, _, _, _ in points]
        assert (got.count, got.first_seq, got.created) == (len(points), seq + 1, clock.t)
        assert got.ts.tolist() == stamps
        for (src_i, _, values, meta, _), ms in zip(points, stamps, strict=True):
            seq += 1
            expected.append((ms, seq, src_i, values, {} if meta is MISSING else meta, clock.t))
        if query_after:   # sorts the series: later (out-of-order) batches append to sorted columns
            raw_rows(state, bucket)
    expected.sort(key=operator.itemgetter(0, 1))
    result = raw_rows(state, bucket)
    assert result.total == len(expected)
    got_rows = [(r["_id"], r["dataSourceId"], r["timestamp"], r["createdAt"], typed_values(r["values"]),
                 typed(r["metadata"])) for r in result.rows]
    want_rows = [(state.ids.point_id(s), sources[i].id, timeutil.format(ms), timeutil.format(c), typed_values(v),
                  typed(m)) for ms, s, i, v, m, c in expected]
    assert got_rows == want_rows
    for i, src in enumerate(sources):   # one source at a time: the single-span page
        one = query(state, bucket, src.id).rows
        assert [(r["_id"], typed_values(r["values"]), typed(r["metadata"])) for r in one] == [
            (state.ids.point_id(s), typed_values(v), typed(m)) for _, s, j, v, m, _ in expected if j == i]


@pytest.mark.parametrize("n", [1, 64])
@pytest.mark.parametrize("value", [2**53 + 1, -(2**53 + 1), 2**53 + 3])
def test_integer_just_beyond_2_53_round_trips_exactly(value, n):
    """Minimal: n points whose only value is {"x": value}; float(2**53 + 1) == 2**53 exactly."""
    _, state, bucket, [src] = make_world(1)
    point = {"dataSourceId": src.id, "timestamp": "2024-01-15T10:00:00Z", "values": {"x": value}}
    ingest.ingest(state, bucket, [point] * n)
    assert [typed_values(r["values"]) for r in raw_rows(state, bucket).rows] == [[("x", ("int", value))]] * n


@pytest.mark.parametrize("n", [3, 30])
def test_metadata_1_1_0_and_true_stay_distinct(n):
    _, state, bucket, [src] = make_world(1)
    metas = [{"a": 1}, {"a": 1.0}, {"a": True}]
    ingest.ingest(state, bucket, [{"dataSourceId": src.id, "timestamp": "2024-01-15T10:00:00Z", "values": {"x": i},
                           "metadata": metas[i % 3]} for i in range(n)])
    ingest.ingest(state, bucket, [{"dataSourceId": src.id, "timestamp": "2024-01-15T10:00:00Z", "values": {"x": n + i},
                           "metadata": dict(metas[i])} for i in range(3)])
    rows = raw_rows(state, bucket).rows
    assert [typed(r["metadata"]) for r in rows] == [typed(metas[i % 3]) for i in range(n + 3)]


# ====================================================================== schema mismatch

SCHEMAS = [
    {"t": {"type": "number"}, "s": {"type": "string"}, "b": {"type": "boolean"}},
    {"t": {"type": "string"}, "n": {"type": "number"}, "b": {"type": "boolean"}},
    {},
]
SCHEMA_FIELDS = ["t", "s", "b", "n", "x"]
BY_TYPE = {"number": SMALL_INTS | FINITE | BIG_INTS, "string": STRINGS, "boolean": st.booleans()}
ANY_VALUE = VALUE_MODES["any"]


def json_type(v) -> str:
    if v is True or v is False:
        return "boolean"
    if type(v) in (int, float):
        return "number"
    if type(v) is str:
        return "string"
    return "null"


def ref_first_mismatch(points: list[dict], schemas: dict):
    """(point index, where, message) of the first value (request order, each point's own key order)
    of the wrong type."""
    for i, p in enumerate(points):
        schema = schemas[p["dataSourceId"].lower()]
        for name, v in p["values"].items():
            want = schema.get(name, {}).get("type")
            if want and json_type(v) != want:
                return i, ["values", name], f"Expected {want}, received {json_type(v)}"
    return None


def ref_details(mismatch: tuple, prefix: list) -> list[dict]:
    """The 400's details for that mismatch: a batch names the point, a single point does not."""
    i, where, message = mismatch
    path = [*prefix, i] if prefix and prefix[-1] == "dataPoints" else list(prefix)
    return [{"path": [*path, *where], "message": message}]


@st.composite
def typed_points(draw, n_sources: int):
    right = st.sampled_from(draw(st.sampled_from([[True], [True] * 40 + [False], [True] * 8 + [False],
                                                  [True, False]])))
    wrong = draw(st.sampled_from([ANY_VALUE, st.none(), st.booleans(), STRINGS, SMALL_INTS | FINITE]))
    points = []
    for _ in range(draw(sizes(30))):
        src_i = draw(st.integers(0, n_sources - 1))
        names = [f for f in draw(st.permutations(SCHEMA_FIELDS)) if draw(st.booleans())] or ["t"]
        values = {}
        for f in names:
            want = SCHEMAS[src_i].get(f, {}).get("type")
            values[f] = draw(BY_TYPE[want] if want and draw(right) else wrong)
        points.append((src_i, draw(st.sampled_from(STAMP_POOL)), values, MISSING, draw(st.booleans())))
    return points


@st.composite
def mismatch_scenarios(draw):
    n_sources = draw(st.integers(1, 3))
    before = draw(st.lists(typed_points(n_sources), max_size=2))
    points = draw(typed_points(n_sources))
    prefix = SINGLE if len(points) == 1 and draw(st.booleans()) else BATCH
    return n_sources, before, points, prefix


def snapshot(state, bucket, sources, rules):
    return ([s.series.n for s in sources], [(r["_id"], r["values"]) for r in raw_rows(state, bucket).rows],
            [list(r.triggers) for r in rules])


@settings(max_examples=150, **NO_SHRINK)
@given(mismatch_scenarios())
def test_schema_mismatch_reports_the_first_bad_value_and_stores_nothing(scenario):
    n_sources, before, points, prefix = scenario
    clock, state, bucket, sources = make_world(n_sources, SCHEMAS[:n_sources])
    rules = [alerts.create(state, bucket, s.id, "any", "t > -1000000000", "https://x.test", 0) for s in sources]
    schemas = {s.id: SCHEMAS[i] for i, s in enumerate(sources)}
    for earlier in before:   # some state first (those batches are accepted or refused too)
        body = request(sources, earlier)
        try:
            ingest.ingest(state, bucket, body)
        except ingest.PointInvalid:
            pass
    snap = snapshot(state, bucket, sources, rules)
    body = request(sources, points)
    want = ref_first_mismatch(body, schemas)
    clock.t += 1000
    if want is None:
        _stored(state, bucket, body, prefix)
        counts = [snap[0][i] + sum(1 for p in points if p[0] == i) for i in range(n_sources)]
        assert [s.series.n for s in sources] == counts
        return
    with pytest.raises(ingest.PointInvalid) as caught:
        ingest.ingest(state, bucket, body)
    assert (caught.value.index, caught.value.where, caught.value.message) == want
    assert snapshot(state, bucket, sources, rules) == snap
    with pytest.raises(BadRequest) as wire:   # what the data handlers answer: the point's place in the body
        _stored(state, bucket, body, prefix)
    assert (wire.value.status, wire.value.message, wire.value.details) == (400, INVALID_PARAMS, ref_details(want, prefix))
    assert snapshot(state, bucket, sources, rules) == snap


# ====================================================================== alerts

OPS = {"gt": (">", operator.gt), "gte": (">=", operator.ge), "lt": ("<", operator.lt),
       "lte": ("<=", operator.le), "eq": ("==", operator.eq), "neq": ("!=", operator.ne)}
THRESHOLDS = ["0", "1", "2", "-1", "2.5", "-2.5", "0.5", "3"]
ALERT_MODES = {
    "int": st.integers(-3, 3),
    "float": st.sampled_from([-2.5, -1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 3.0]),
    "num": st.integers(-3, 3) | st.sampled_from([-2.5, 0.5, 2.0, 2.5]),
    "any": st.integers(-3, 3) | st.sampled_from([2.5, 1.0, 2**53 + 1, 10**400, -(10**400), "2", None])
    | st.booleans(),
}


@st.composite
def alert_scenarios(draw):
    n_sources = draw(st.integers(1, 2))
    rule = st.tuples(st.integers(0, n_sources - 1), st.sampled_from(["t", "t", "u"]),   # source, field
                     st.sampled_from(sorted(OPS)), st.sampled_from(THRESHOLDS),
                     st.sampled_from([0, 0, 0.5, 1, 5]),                                # cooldown (minutes)
                     st.sampled_from([True] * 5 + [False]))                             # active
    rules = draw(st.lists(rule, min_size=1, max_size=4))
    ingests = []
    for _ in range(draw(st.integers(1, 6))):
        mode = draw(st.sampled_from(sorted(ALERT_MODES)))
        has_t = st.sampled_from(draw(st.sampled_from([[True], [True, True, True, False]])))
        points = []
        for _ in range(draw(sizes(30))):
            values = {"u": draw(st.integers(-3, 3))}
            if draw(has_t):
                values["t"] = draw(ALERT_MODES[mode])
                if draw(st.booleans()):
                    values = dict(reversed(values.items()))
            src_i = draw(st.integers(0, n_sources - 1))
            points.append((src_i, "2024-01-15T10:00:00Z", values, MISSING, False))
        advance = draw(st.sampled_from([0, 1, 29_999, 30_000, 59_999, 60_000, 299_999, 300_000, 3_600_000]))
        ingests.append((advance, points))
    return n_sources, rules, ingests


def is_number(v) -> bool:
    return type(v) in (int, float)


@settings(max_examples=200, **NO_SHRINK)
@given(alert_scenarios())
def test_alerts_fire_like_a_sequential_loop_over_the_points(scenario):
    n_sources, rule_specs, ingests = scenario
    clock, state, bucket, sources = make_world(n_sources)
    rules, refs = [], []
    for src_i, fname, op, threshold, cooldown, active in rule_specs:
        rule = alerts.create(state, bucket, sources[src_i].id, "r", f"{fname} {OPS[op][0]} {threshold}",
                             "https://x.test", cooldown)
        value = float(threshold)
        value = int(value) if value.is_integer() else value
        assert rule.parsed == {"field": fname, "operator": op, "value": value}
        if not active:
            rule.status = "paused"
        rules.append(rule)
        refs.append({"src": sources[src_i].id, "field": fname, "op": OPS[op][1], "value": value,
                     "cooldown": cooldown * 60_000, "active": active, "last": None, "triggers": []})
    for advance, points in ingests:
        clock.t += advance
        now = clock.t
        body = request(sources, points)
        ingest.ingest(state, bucket, body)
        for ref in refs:   # the reference: every point in request order, one at a time
            if not ref["active"]:
                continue
            for p in body:
                if p["dataSourceId"] != ref["src"] or ref["field"] not in p["values"]:
                    continue
                v = p["values"][ref["field"]]
                if not is_number(v) or not ref["op"](v, ref["value"]):
                    continue
                if ref["last"] is None or now - ref["last"] >= ref["cooldown"]:
                    ref["last"] = now
                    ref["triggers"].append(now)
        want = [(ref["last"], ref["triggers"]) for ref in refs]
        assert [(r.last_triggered_at, r.triggers) for r in rules] == want


@pytest.mark.parametrize("n", [2, 64])
@pytest.mark.parametrize("cooldown", [0, 5])
def test_neq_rule_ignores_points_without_the_field(cooldown, n):
    """Minimal: ``t != 5`` on n points, the first {"t": 5}, the others {"u": 1}: no point matches."""
    _, state, bucket, [src] = make_world(1)
    rule = alerts.create(state, bucket, src.id, "r", "t != 5", "https://x.test", cooldown)
    first = {"dataSourceId": src.id, "timestamp": "2024-01-15T10:00:00Z", "values": {"t": 5}}
    other = {"dataSourceId": src.id, "timestamp": "2024-01-15T10:00:00Z", "values": {"u": 1}}
    ingest.ingest(state, bucket, [first] + [other] * (n - 1))
    assert (rule.last_triggered_at, rule.triggers) == (None, [])


def test_reference_helpers_agree_with_known_values():
    assert ref_ms(1970, 1, 1, 0, 0, 0, "") == 0
    assert ref_ms(0, 1, 1, 0, 0, 0, "") == timeutil.MIN_MS
    assert ref_ms(9999, 12, 31, 23, 59, 59, "9999") == timeutil.MAX_MS
    assert json_type(True) == "boolean" and json_type(1) == "number" and json_type(None) == "null"
    assert typed(1) != typed(1.0) != typed(True) and typed(-0.0) != typed(0.0)
    assert ref_ms(2024, 1, 15, 10, 0, 0, "") == T0
