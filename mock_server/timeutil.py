"""RFC 3339 timestamps <-> integer milliseconds since the Unix epoch.

Plain integer arithmetic (no ``datetime``) so every year 0000-9999 that the spec's
``format: date-time`` admits can be stored and written back without range errors.
"""

import functools
import re

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
    import numpy as np

    text = np.datetime_as_string(np.asarray(ms, dtype=np.int64).astype("datetime64[ms]"), unit="ms").tolist()
    return [t[:-4] + "Z" if t.endswith(".000") else t + "Z" for t in text]
