"""Dakkio's fixture documents: the demo data the mock starts with, and the format of the state dump.

A dump (``GET /__mock/state``) is itself a fixture document, so state can be saved and loaded.
Data sources take explicit ``points`` and/or a ``generate`` recipe (a regular series ending
now, deterministic values from the store's seed).
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import yaml

from ...core import timeutil
from .services import alerts, api_keys, buckets, data_sources, ingest
from .state import State

_UNITS = {"s": 1000, "m": timeutil.MS_MINUTE, "h": timeutil.MS_HOUR, "d": timeutil.MS_DAY}


def read(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def duration_ms(text: str | int) -> int:
    if isinstance(text, int):
        return text * 1000
    return int(float(text[:-1]) * _UNITS[text[-1]])


def apply(state: State, doc: dict) -> None:
    org = doc.get("organization") or {}
    if org.get("_id"):
        state.org.id = org["_id"].lower()
    state.org.name = org.get("name", state.org.name)
    state.org.plan.update(org.get("plan") or {})
    for k in doc.get("adminKeys") or []:
        api_keys.add(state, "admin", k.get("name", "Admin key"), None, k.get("key"), k.get("_id"))
    for b in doc.get("buckets") or []:
        _apply_bucket(state, b)
    if not state.quota_fixed:   # no --rate-limit: the plan's monthly quota
        state.quota.limit = state.org.plan["maxApiCalls"]
        state.default_quota = (state.quota.limit, state.quota.window)


def _apply_bucket(state: State, b: dict) -> None:
    bucket = buckets.create(state, b["name"], b.get("description"), b.get("_id"))
    for k in b.get("apiKeys") or []:
        api_keys.add(state, k["type"], k["name"], bucket.id, k.get("key"), k.get("_id"))
    for s in b.get("dataSources") or []:
        src = data_sources.create(state, bucket, s["name"], s.get("type", "sensor"), s.get("description"),
                                  s.get("schema") or {}, s.get("downsampling", True), s.get("_id"))
        points = list(s.get("points") or [])
        if s.get("generate"):
            points += _generate(state, src.id, s["generate"])
        points = [dict(p, dataSourceId=src.id) for p in points]
        for i in range(0, len(points), 1000):
            try:
                ingest.ingest(state, bucket, points[i: i + 1000])
            except ingest.PointInvalid as err:
                raise ValueError(f"point {i + err.index} of data source {s['name']!r}: "
                                 f"{'.'.join(map(str, err.where))}: {err.message}") from None
    for r in b.get("alertRules") or []:
        source_id = r.get("dataSourceId") or data_sources.of_bucket(state, bucket.id)[r.get("dataSourceIndex", 0)].id
        alerts.create(state, bucket, source_id, r["name"], r["condition"], r["webhookUrl"],
                      r.get("cooldownMinutes", 5), r.get("_id"))


def _generate(state: State, source_id: str, recipe: dict) -> list[dict]:
    """A regular series ending now: daily sine + noise per field, deterministic from the seed."""
    rng = random.Random(f"{state.seed_value}:{source_id}")
    every = duration_ms(recipe.get("every", "5m"))
    span = duration_ms(recipe.get("span", "24h"))
    end = state.now() // every * every
    out = []
    for t in range(end - span + every, end + 1, every):
        phase = 2 * math.pi * ((t % timeutil.MS_DAY) / timeutil.MS_DAY)
        values = {}
        for name, f in (recipe.get("fields") or {}).items():
            v = f.get("base", 0) + f.get("amplitude", 0) * math.sin(phase - math.pi / 2) + rng.gauss(0, f.get("noise", 0))
            values[name] = round(v, f.get("decimals", 2))
        out.append({"timestamp": timeutil.format(t), "values": values, "metadata": recipe.get("metadata") or {}})
    return out


def dump(state: State) -> dict:
    buckets = []
    for b in state.buckets.values():
        sources = []
        for s in data_sources.of_bucket(state, b.id):
            series = s.series
            series.ensure_sorted()
            values = series.values_range(0, series.n)
            stamps = timeutil.format_many(series.ts.data[: series.n])
            pts = [{"timestamp": stamps[i], "values": values[i], "metadata": series.metadata(i)}
                   for i in range(series.n)]
            sources.append({"_id": s.id, "name": s.name, "type": s.type, "description": s.description,
                            "schema": s.schema, "downsampling": s.downsampling, "points": pts})
        buckets.append({
            "_id": b.id, "name": b.name, "description": b.description,
            "apiKeys": [{"_id": k.id, "name": k.name, "type": k.type, "key": k.key} for k in api_keys.of_bucket(state, b.id)],
            "dataSources": sources,
            "alertRules": [{"_id": r.id, "dataSourceId": r.data_source_id, "name": r.name,
                            "condition": r.condition, "webhookUrl": r.webhook_url,
                            "cooldownMinutes": r.cooldown_minutes} for r in alerts.of_bucket(state, b.id)],
        })
    return {
        "organization": {"_id": state.org.id, "name": state.org.name, "plan": dict(state.org.plan)},
        "adminKeys": [{"_id": k.id, "name": k.name, "key": k.key}
                      for k in state.key_ids.values() if k.type == "admin"],
        "buckets": buckets,
    }
