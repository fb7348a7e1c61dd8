"""The organisation's call quota (DESIGN decisions 11, 14): only authenticated requests count."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ....core import timeutil
from ....core.errors import TooManyRequests

WINDOWS = ("second", "minute", "hour", "day", "month")


@dataclass
class Quota:
    """A call quota per window."""

    limit: int
    window: str = "month"     # one of WINDOWS
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


@dataclass(frozen=True)
class QuotaStatus:
    limit: int
    remaining: int
    reset_s: int          # epoch seconds of the next window


class QuotaExceeded(TooManyRequests):
    """429; ``retry_after`` seconds until the window resets (the envelope turns it into a header)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def consume(q: Quota, now: int) -> None:
    """Count one call, or raise ``QuotaExceeded`` when the window's calls are used up."""
    q.roll(now)
    if q.used >= q.limit:
        reset = q.reset_at(q.window_start)
        raise QuotaExceeded(f"Rate limit exceeded. Resets at {timeutil.format(reset // 1000 * 1000)}",
                            max(1, math.ceil((reset - now) / 1000)))
    q.used += 1


def status(q: Quota, now: int) -> QuotaStatus:
    q.roll(now)
    return QuotaStatus(q.limit, max(0, q.limit - q.used), q.reset_at(q.window_start) // 1000)
