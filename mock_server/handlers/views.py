"""How store objects look on the wire (DESIGN decision 16: shapes differ by use)."""

from ..timeutil import format as ts


def bucket_item(b) -> dict:
    return {"_id": b.id, "name": b.name, "description": b.description,
            "createdAt": ts(b.created_at), "updatedAt": ts(b.updated_at)}


def bucket_full(store, b, stats: bool) -> dict:
    out = bucket_item(b)
    out["organizationId"] = store.org.id
    if stats:
        out["stats"] = store.bucket_stats(b)
    return out


def key_item(k) -> dict:
    return {"_id": k.id, "name": k.name, "type": k.type, "keyPrefix": k.prefix, "bucketId": k.bucket_id,
            "createdAt": ts(k.created_at), "lastUsedAt": ts(k.last_used_at) if k.last_used_at is not None else None}


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
            "lastTriggeredAt": ts(r.last_triggered_at) if r.last_triggered_at is not None else None,
            "createdAt": ts(r.created_at)}


def alert_created(r) -> dict:
    return {"_id": r.id, "bucketId": r.bucket_id, "dataSourceId": r.data_source_id, "name": r.name,
            "condition": r.condition, "parsedCondition": r.parsed, "webhookUrl": r.webhook_url,
            "status": r.status, "cooldownMinutes": r.cooldown_minutes, "createdAt": ts(r.created_at)}
