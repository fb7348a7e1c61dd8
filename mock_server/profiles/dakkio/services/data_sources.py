"""Data sources: a schema of typed fields, each with its own time series (decision 6)."""

from __future__ import annotations

from ..model import Bucket, DataSource
from ..state import State


def of_bucket(state: State, bucket_id: str) -> list[DataSource]:
    return [s for s in state.sources.values() if s.bucket_id == bucket_id]


def create(state: State, bucket: Bucket, name: str, type_: str, description: str | None,
           schema: dict, downsampling: bool, source_id: str | None = None) -> DataSource:
    now = state.now()
    clean = {}
    for fname, spec in schema.items():
        entry = {"type": spec["type"]}
        for opt in ("unit", "description"):
            if opt in spec:
                entry[opt] = spec[opt]
        clean[fname] = entry
    src = DataSource((source_id or state.ids.new_id()).lower(), bucket.id, name, type_, description,
                     clean, downsampling, now, now)
    state.sources[src.id] = src
    return src
