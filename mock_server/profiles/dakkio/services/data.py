"""Querying stored points (decisions 9, 20): the engine does the work; this picks the sources."""

from __future__ import annotations

from .. import engine
from ..model import Bucket
from ..state import State
from . import access, data_sources


def query(state: State, bucket: Bucket, source_id: str | None, start: int | None, end: int | None,
          limit: int, offset: int, aggregation: str | None, group_by: str | None,
          point_row, agg_row) -> engine.QueryResult:
    """Rows shaped by ``point_row(source, series, lo, hi)`` and ``agg_row(source_id, start, values, count)``
    (the caller's wire shapes: the engine stays free of them)."""
    if source_id is not None:
        sources = [access.source_in(state, bucket, source_id)]
    else:
        sources = data_sources.of_bucket(state, bucket.id)
    by_id = {s.id: s for s in sources}
    return engine.query([(s.id, s.series, s.downsampling) for s in sources], start, end, limit, offset,
                        aggregation, group_by,
                        lambda sid, series, lo, hi: point_row(by_id[sid], series, lo, hi), agg_row)
