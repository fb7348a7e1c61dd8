"""RFC 3339 timestamps <-> integer milliseconds since the Unix epoch.

Plain integer arithmetic (no ``datetime``) so every year 0000-9999 that the spec's
``format: date-time`` admits can be stored and written back without range errors.
"""

import functools
import operator
import re

import numpy as np

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
MS_MINUTE = 60_000
MS_HOUR = 3_600_000
MS_DAY = 86_400_000
MIN_MS = -62_167_219_200_000            # 0000-01-01T00:00:00Z
MAX_MS = 253_402_300_799_999            # 9999-12-31T23:59:59.999Z


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400   # Python's // floors: no C-style correction for negatives
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


@functools.lru_cache(maxsize=8192)
def _parse(value: str) -> int | None:
    m = _RFC3339.fullmatch(value)
    if not m:
        return None
    year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
    hour, minute, second = int(value[11:13]), int(value[14:16]), int(value[17:19])
    if not (1 <= month <= 12 and 1 <= day <= _month_days(year, month)):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    frac = m.group(7)
    ms = int((frac[1:] + "00")[:3]) if frac else 0
    tz = m.group(8)
    offset = 0
    if tz not in ("Z", "z"):
        oh, om = int(tz[1:3]), int(tz[4:6])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 60 + om) * MS_MINUTE * (1 if tz[0] == "+" else -1)
    days = days_from_civil(year, month, day)
    instant = days * MS_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms - offset
    # An offset can carry 0000-01-01 / 9999-12-31 out of the years a UTC timestamp can be written in.
    return instant if MIN_MS <= instant <= MAX_MS else None


def parse(value: str) -> int | None:
    """Milliseconds since the epoch, or None if ``value`` is not an RFC 3339 date-time.

    Fractions beyond milliseconds are truncated (DESIGN decision 17). Memoised: validation and
    the store both parse each timestamp of a request.
    """
    return _parse(value) if isinstance(value, str) else None


def _month_days(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def format(ms: int) -> str:  # noqa: A001 - the module's natural verb
    """``YYYY-MM-DDTHH:MM:SS[.mmm]Z`` (fraction only when non-zero)."""
    return _format(int(ms))


@functools.lru_cache(maxsize=8192)
def _format(ms: int) -> str:
    days, rem = divmod(ms, MS_DAY)
    y, mo, d = civil_from_days(days)
    secs, milli = divmod(rem, 1000)
    h, rest = divmod(secs, 3600)
    mi, s = divmod(rest, 60)
    base = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
    return f"{base}.{milli:03d}Z" if milli else base + "Z"


def month_start(ms: int) -> int:
    y, m, _ = civil_from_days(int(ms) // MS_DAY)
    return days_from_civil(y, m, 1) * MS_DAY


def format_many(ms) -> list[str]:
    """``format`` for a numpy array of milliseconds, vectorised."""
    text = np.datetime_as_string(np.asarray(ms, dtype=np.int64).astype("datetime64[ms]"), unit="ms").tolist()
    return [t[:-4] + "Z" if t.endswith(".000") else t + "Z" for t in text]


NOT_PARSED = np.iinfo(np.int64).min   # parse_many: not a date-time
_ZERO = ord("0")
_DIGITS_20 = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
_SEPARATORS = {4: b"-", 7: b"-", 10: b"Tt", 13: b":", 16: b":"}
_CUM_DAYS = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], dtype=np.int64)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def parse_many(values: list) -> "np.ndarray":
    """``parse`` for a list, vectorised: an int64 array with ``NOT_PARSED`` where ``parse`` gives None.

    The shape devices send (``YYYY-MM-DDTHH:MM:SS[.f+]Z``, ASCII, one length for the whole list)
    is decoded with numpy over a byte matrix; anything else, and any row the vectorised checks
    refuse, goes through ``parse`` itself, so the two always agree.
    """
    global _LAST
    n = len(values)
    last_values, last_out = _LAST
    if n >= 16 and len(last_values) == n and all(map(operator.is_, values, last_values)):
        return last_out.copy()   # validation, then the store: the very same strings
    out = np.full(n, NOT_PARSED, dtype=np.int64)
    if n == 0:
        return out
    width = len(values[0]) if isinstance(values[0], str) else 0
    fast = None
    if n >= 16 and (width == 20 or 22 <= width <= 40):   # numpy's fixed costs need a batch to pay off
        try:
            text = "".join(values)
            if len(text) == n * width and max(map(len, values)) == width:
                fast = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(n, width)
        except (TypeError, UnicodeEncodeError):
            fast = None
    if fast is None:
        for i, v in enumerate(values):
            ms = parse(v)
            if ms is not None:
                out[i] = ms
        return out
    quick = _decode_valid(fast, width)
    if quick is None:
        ok = _decode(fast, width, out)
        for i in np.flatnonzero(~ok).tolist():
            ms = parse(values[i])
            out[i] = NOT_PARSED if ms is None else ms
        quick = out
    _LAST = (list(values), quick.copy())   # holds the strings, so their identities stay theirs
    return quick


_LAST: tuple = ([], None)   # the most recent fast-path batch: its strings and result


def _decode_valid(m: "np.ndarray", width: int) -> "np.ndarray | None":
    """All rows of ``m`` at once when every one is a valid date-time (the usual batch), else None.

    The layout is checked here byte by byte; numpy's own ISO parser then checks the ranges
    (month, day of month with leap years, hour, minute, second) and refuses the whole array if
    one row is out of range, so ``_decode`` sorts those rows out."""
    digits, separators, lower, expected = _layout(width)
    if not ((m[:, digits] - np.uint8(_ZERO)) <= 9).all():   # uint8 wraps: below '0' becomes > 9
        return None
    if not ((m[:, separators] | lower) == expected).all():
        return None
    head = m[:, : min(width - 1, 23)].copy()   # up to the milliseconds; finer digits are truncated
    head[:, 10] = ord("T")
    try:
        return head.view(f"S{head.shape[1]}").ravel().astype("datetime64[ms]").astype(np.int64)
    except ValueError:
        return None


@functools.cache
def _layout(width: int):
    """Digit columns; separator columns, the case bit to set on each (T/t, Z/z), the byte expected."""
    seps = {4: "-", 7: "-", 10: "t", 13: ":", 16: ":", width - 1: "z"}
    if width > 20:
        seps[19] = "."
    cols = sorted(seps)
    lower = np.array([0x20 if seps[c] in "tz" else 0 for c in cols], dtype=np.uint8)
    expected = np.frombuffer("".join(seps[c] for c in cols).encode(), dtype=np.uint8)
    return _DIGITS_20 + list(range(20, width - 1)), cols, lower, expected


def _decode(m: "np.ndarray", width: int, out: "np.ndarray") -> "np.ndarray":
    """Decode the rows of byte matrix ``m`` it can vouch for into ``out``; returns the mask of those."""
    d = m - np.uint8(_ZERO)              # uint8 wraps: anything below '0' becomes > 9
    digits = d[:, _DIGITS_20 + list(range(20, width - 1))]
    ok = (digits <= 9).all(axis=1)
    ok &= (m[:, 4] == ord("-")) & (m[:, 7] == ord("-")) & (m[:, 13] == ord(":")) & (m[:, 16] == ord(":"))
    ok &= ((m[:, 10] | 0x20) == ord("t")) & ((m[:, width - 1] | 0x20) == ord("z"))
    if width > 20:
        ok &= m[:, 19] == ord(".")
    v = d[:, :23].astype(np.int64) if width > 20 else d.astype(np.int64)
    year = v[:, 0] * 1000 + v[:, 1] * 100 + v[:, 2] * 10 + v[:, 3]
    month = v[:, 5] * 10 + v[:, 6]
    day = v[:, 8] * 10 + v[:, 9]
    secs = ((v[:, 11] * 10 + v[:, 12]) * 60 + v[:, 14] * 10 + v[:, 15]) * 60 + v[:, 17] * 10 + v[:, 18]
    ok &= (v[:, 11] * 10 + v[:, 12] <= 23) & (v[:, 14] <= 5) & (v[:, 17] <= 5)
    ms = np.zeros(len(m), dtype=np.int64)
    for k, scale in zip(range(20, min(23, width - 1)), (100, 10, 1), strict=False):
        ms += v[:, k] * scale
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok &= (month >= 1) & (month <= 12)
    month = np.where(ok, month, 1)
    ok &= (day >= 1) & (day <= _MONTH_DAYS[month] + (leap & (month == 2)))
    # days since 1970-01-01, proleptic Gregorian (numpy's // floors like Python's)
    y = year - 1
    days = 365 * y + y // 4 - y // 100 + y // 400 - 719162 + _CUM_DAYS[month] + (leap & (month > 2)) + day - 1
    instant = days * MS_DAY + secs * 1000 + ms
    ok &= (instant >= MIN_MS) & (instant <= MAX_MS)
    np.copyto(out, instant, where=ok)
    return ok
