"""Analytics computed from the stored data (DESIGN decision 22)."""

from __future__ import annotations

import math

import numpy as np

from ....core import timeutil
from .. import engine
from ..model import Bucket, BucketAnalytics, Overview, SourceStats
from ..state import State
from . import alerts, data_sources

PERIOD_DAYS = {"24h": 1, "7d": 7, "30d": 30, "90d": 90}


def bucket(state: State, b: Bucket, period: str) -> BucketAnalytics:
    now = state.now()
    since = now - PERIOD_DAYS[period] * timeutil.MS_DAY
    sources = data_sources.of_bucket(state, b.id)
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
        last = int(series.ts.data[series.n - 1]) if series.n else None
        stats.append(SourceStats(s, hi - lo, last, avg, mn, mx))
    rules = alerts.of_bucket(state, b.id)
    return BucketAnalytics(
        bucket=b, period=period, days=PERIOD_DAYS[period], total_points=total, points_in_period=in_period,
        sources=stats, active_alerts=sum(1 for r in rules if r.status == "active"),
        points_per_hour=sorted(hours.items()),
        triggers_by_rule=[(r.name, sum(1 for t in r.triggers if t >= since)) for r in rules])


def overview(state: State) -> Overview:
    now = state.now()
    day_ago = now - timeutil.MS_DAY
    points = storage = recent = 0
    last_ingest = None
    for s in state.sources.values():
        series = s.series
        points += series.n
        storage += series.nbytes()
        if series.n:
            created = series.created_array()
            latest = int(created.max())
            last_ingest = latest if last_ingest is None else max(last_ingest, latest)
            recent += int((created >= day_ago).sum())
    triggers = [t for r in state.alerts.values() for t in r.triggers]
    state.quota.roll(now)
    return Overview(
        organization=state.org, buckets=len(state.buckets), data_sources=len(state.sources), data_points=points,
        alert_rules=len(state.alerts), api_keys=sum(1 for k in state.key_ids.values() if k.type != "admin"),
        api_calls=state.quota.used, api_calls_limit=state.org.plan["maxApiCalls"],
        storage_bytes=storage, last_ingestion=last_ingest, last_alert=max(triggers) if triggers else None,
        points_last_24h=recent, alerts_last_24h=sum(1 for t in triggers if t >= day_ago))


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None
