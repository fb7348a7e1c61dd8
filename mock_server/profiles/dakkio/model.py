"""Dakkio's domain objects: what the services store and return (their wire shapes are in ``views``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import engine


@dataclass
class Organization:
    id: str
    name: str
    plan: dict


@dataclass
class ApiKey:
    id: str
    name: str
    type: str                 # admin | write | read
    key: str
    bucket_id: str | None
    created_at: int
    last_used_at: int | None = None

    @property
    def prefix(self) -> str:
        return self.key[:13] + "..."


@dataclass
class Bucket:
    id: str
    name: str
    description: str | None
    created_at: int
    updated_at: int


@dataclass
class BucketStats:
    data_sources: int
    data_points: int
    api_keys: int


@dataclass
class DeletedResources:
    data_sources: int
    data_points: int
    api_keys: int
    alert_rules: int


@dataclass
class DataSource:
    id: str
    bucket_id: str
    name: str
    type: str
    description: str | None
    schema: dict
    downsampling: bool
    created_at: int
    updated_at: int
    status: str = "active"
    series: engine.Series = field(default_factory=engine.Series)


@dataclass
class AlertRule:
    id: str
    bucket_id: str
    data_source_id: str
    name: str
    condition: str
    parsed: dict
    webhook_url: str
    cooldown_minutes: float
    created_at: int
    status: str = "active"
    last_triggered_at: int | None = None
    triggers: list = field(default_factory=list)   # trigger times (ms)
    run_start: int | None = None   # sustained conditions: timestamp of the current run's first matching reading


@dataclass
class AlertTriggered:
    """A domain event: ``rule`` fired at ``at`` (ingestion time) on a point of ``source``."""

    rule: AlertRule
    source: DataSource
    values: dict
    timestamp: int             # the point's timestamp (ms)
    metadata: dict
    at: int


@dataclass
class Ingested:
    """What one ingest stored: ``count`` points with sequence numbers ``first_seq``.., their
    timestamps in request order, and the shared ingestion time."""

    count: int
    first_seq: int
    ts: np.ndarray
    created: int


@dataclass
class SourceStats:
    source: DataSource
    points_in_period: int
    last_point: int | None
    avg: dict
    min: dict
    max: dict


@dataclass
class BucketAnalytics:
    bucket: Bucket
    period: str
    days: int
    total_points: int
    points_in_period: int
    sources: list[SourceStats]
    active_alerts: int
    points_per_hour: list[tuple[int, int]]      # (hour start ms, count), ascending
    triggers_by_rule: list[tuple[str, int]]     # (rule name, count)


@dataclass
class Overview:
    organization: Organization
    buckets: int
    data_sources: int
    data_points: int
    alert_rules: int
    api_keys: int
    api_calls: int
    api_calls_limit: int
    storage_bytes: int
    last_ingestion: int | None
    last_alert: int | None
    points_last_24h: int
    alerts_last_24h: int
