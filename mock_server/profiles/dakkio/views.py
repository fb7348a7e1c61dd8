"""How Dakkio's domain objects look on the wire, all in one place (DESIGN decision 16: shapes differ by use)."""

from __future__ import annotations

import math

from ...core import timeutil
from ...core.timeutil import format as ts
from .model import BucketAnalytics, DeletedResources, Overview
from .services import alerts, buckets
from .services.quota import QuotaStatus
from .state import State


def _ts_or_none(ms):
    return ts(ms) if ms is not None else None


def bucket_item(b) -> dict:
    return {"_id": b.id, "name": b.name, "description": b.description,
            "createdAt": ts(b.created_at), "updatedAt": ts(b.updated_at)}


def bucket_full(state: State, b, stats: bool) -> dict:
    out = bucket_item(b)
    out["organizationId"] = state.org.id
    if stats:
        s = buckets.stats(state, b)
        out["stats"] = {"dataSourceCount": s.data_sources, "dataPointCount": s.data_points, "apiKeyCount": s.api_keys}
    return out


def deleted_resources(d: DeletedResources) -> dict:
    return {"dataSources": d.data_sources, "dataPoints": d.data_points, "apiKeys": d.api_keys,
            "alertRules": d.alert_rules}


def pagination(limit: int, offset: int, shown: int, total: int) -> dict:
    return {"limit": limit, "offset": offset, "total": total, "hasMore": offset + shown < total}


def key_item(k) -> dict:
    return {"_id": k.id, "name": k.name, "type": k.type, "keyPrefix": k.prefix, "bucketId": k.bucket_id,
            "createdAt": ts(k.created_at), "lastUsedAt": _ts_or_none(k.last_used_at)}


def key_created(k) -> dict:
    return {"_id": k.id, "name": k.name, "type": k.type, "key": k.key, "keyPrefix": k.prefix,
            "bucketId": k.bucket_id, "createdAt": ts(k.created_at)}


def source_item(s) -> dict:
    return {"_id": s.id, "name": s.name, "type": s.type, "description": s.description, "schema": s.schema,
            "status": s.status, "createdAt": ts(s.created_at), "updatedAt": ts(s.updated_at)}


def source_created(s) -> dict:
    return {"_id": s.id, "bucketId": s.bucket_id, "name": s.name, "type": s.type,
            "description": s.description, "schema": s.schema, "downsampling": s.downsampling,
            "status": s.status, "createdAt": ts(s.created_at), "updatedAt": ts(s.updated_at)}


def alert_item(r) -> dict:
    return {"_id": r.id, "name": r.name, "condition": r.condition, "dataSourceId": r.data_source_id,
            "webhookUrl": r.webhook_url, "status": r.status, "cooldownMinutes": r.cooldown_minutes,
            "lastTriggeredAt": _ts_or_none(r.last_triggered_at), "createdAt": ts(r.created_at)}


def alert_created(r) -> dict:
    return {"_id": r.id, "bucketId": r.bucket_id, "dataSourceId": r.data_source_id, "name": r.name,
            "condition": r.condition, "parsedCondition": r.parsed, "webhookUrl": r.webhook_url,
            "status": r.status, "cooldownMinutes": r.cooldown_minutes, "createdAt": ts(r.created_at)}


def alert_triggered(event, webhook_id: str) -> dict:
    """The ``alert.triggered`` webhook payload (webhooks guide; the operator as a symbol, ``>``)."""
    rule = event.rule
    return {
        "event": "alert.triggered", "timestamp": ts(event.at), "webhookId": webhook_id, "bucketId": rule.bucket_id,
        "data": {
            "alertId": rule.id, "alertName": rule.name, "dataSourceId": event.source.id,
            "dataSourceName": event.source.name, "condition": rule.condition,
            "currentValue": event.values.get(rule.parsed["field"]), "threshold": rule.parsed["value"],
            "operator": alerts.SYMBOLS[rule.parsed["operator"]], "triggeredAt": ts(event.at),
            "dataPoint": {"timestamp": ts(event.timestamp), "values": event.values, "metadata": event.metadata},
        },
    }


def ingested_point(state: State, bucket, body: dict, stored) -> dict:
    return {"_id": state.ids.point_id(stored.first_seq), "bucketId": bucket.id,
            "dataSourceId": body["dataSourceId"].lower(), "timestamp": ts(stored.ts[0]),
            "values": body["values"], "metadata": body.get("metadata") or {}, "createdAt": ts(stored.created)}


def point_rows(state: State):
    """The engine's row shaper for raw points [lo, hi) of one source, shaped like ``dataPoint``."""

    def rows(src, series, lo: int, hi: int) -> list[dict]:
        stamps = timeutil.format_many(series.ts.data[lo:hi])
        created_idx = series.created.data[lo:hi].tolist()
        created_text = {}
        seqs = series.seq.data[lo:hi].tolist()
        metas = series.meta_idx.data[lo:hi].tolist()
        values = series.values_range(lo, hi)
        point_id = state.ids.point_id
        out = []
        for j in range(hi - lo):
            c = created_idx[j]
            if c not in created_text:
                created_text[c] = ts(series.created_times[c])
            out.append({"_id": point_id(seqs[j]), "bucketId": src.bucket_id, "dataSourceId": src.id,
                        "timestamp": stamps[j], "values": values[j], "metadata": series.meta_table[metas[j]],
                        "createdAt": created_text[c]})
        return out

    return rows


def aggregated_row(source_id: str, start: int, values: dict, count: int) -> dict:
    return {"timestamp": ts(start), "dataSourceId": source_id, "values": values, "count": count}


def query_metadata(result, limit: int, offset: int) -> dict:
    metadata = {"count": len(result.rows), "total": result.total, "limit": limit, "offset": offset,
                "hasMore": offset + len(result.rows) < result.total,
                "downsamplingApplied": result.downsampling_applied}
    if result.aggregation:
        metadata["aggregation"], metadata["groupBy"] = result.aggregation, result.group_by
    return metadata


def bucket_analytics(a: BucketAnalytics) -> dict:
    by_rule = [{"name": name, "count": count} for name, count in a.triggers_by_rule]
    return {
        "bucket": {"_id": a.bucket.id, "name": a.bucket.name},
        "period": a.period,
        "summary": {
            "totalDataPoints": a.total_points,
            "dataPointsInPeriod": a.points_in_period,
            "avgDataPointsPerDay": int(math.floor(a.points_in_period / a.days + 0.5)),
            "dataSources": len(a.sources),
            "activeAlerts": a.active_alerts,
        },
        "dataSourceStats": [{"_id": s.source.id, "name": s.source.name, "dataPointCount": s.points_in_period,
                             "lastDataPoint": _ts_or_none(s.last_point), "avgValues": s.avg,
                             "minValues": s.min, "maxValues": s.max} for s in a.sources],
        "ingestionRate": {"dataPointsPerHour": [{"hour": ts(h), "count": c} for h, c in a.points_per_hour]},
        "alertActivity": {"totalTriggered": sum(r["count"] for r in by_rule), "byRule": by_rule},
    }


def overview(o: Overview) -> dict:
    limit = o.api_calls_limit
    return {
        "organization": {"_id": o.organization.id, "name": o.organization.name},
        "totals": {"buckets": o.buckets, "dataSources": o.data_sources, "dataPoints": o.data_points,
                   "alertRules": o.alert_rules, "apiKeys": o.api_keys},
        "usage": {"apiCallsThisMonth": o.api_calls, "apiCallsLimit": limit,
                  "apiCallsPercentage": round(100.0 * o.api_calls / limit, 1) if limit else 0.0,
                  "storageUsedBytes": o.storage_bytes, "storageUsedFormatted": human_bytes(o.storage_bytes)},
        "plan": dict(o.organization.plan),
        "recentActivity": {
            "lastDataIngestion": _ts_or_none(o.last_ingestion),
            "lastAlertTriggered": _ts_or_none(o.last_alert),
            "dataPointsLast24h": o.points_last_24h,
            "alertsTriggeredLast24h": o.alerts_last_24h,
        },
    }


def rate_limit_headers(q: QuotaStatus) -> dict:
    return {"X-RateLimit-Limit": str(q.limit), "X-RateLimit-Remaining": str(q.remaining),
            "X-RateLimit-Reset": str(q.reset_s)}


def human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return f"{n} TB"
