from .. import timeutil
from ..errors import invalid
from . import reply


async def ingestData(token_info, body):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], body["bucketId"])
    stored = store.ingest(bucket, [body], ["body"])
    point = {"_id": store.point_id(stored.first_seq), "bucketId": bucket.id,
             "dataSourceId": body["dataSourceId"].lower(), "timestamp": timeutil.format(stored.ts[0]),
             "values": body["values"], "metadata": body.get("metadata") or {},
             "createdAt": timeutil.format(stored.created)}
    return reply(token_info, {"message": "Data point ingested successfully", "dataPoint": point}, 201)


async def batchIngestData(token_info, body):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], body["bucketId"])
    stored = store.ingest(bucket, body["dataPoints"], ["body", "dataPoints"])
    return reply(token_info, {"message": "Batch data ingested successfully", "insertedCount": stored.count}, 201)


async def queryData(token_info, body):
    filters = body.get("filters") or {}
    start = timeutil.parse(filters["startTime"]) if "startTime" in filters else None
    end = timeutil.parse(filters["endTime"]) if "endTime" in filters else None
    if start is not None and end is not None and start > end:
        raise invalid(["body", "filters", "startTime"], "startTime must be before or equal to endTime")
    aggregation, group_by = body.get("aggregation"), body.get("groupBy")  # together: checked by the schema
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], body["bucketId"])
    limit, offset = filters.get("limit", 100), filters.get("offset", 0)
    result = store.query(bucket, body.get("dataSourceId"), start, end, limit, offset, aggregation, group_by)
    metadata = {"count": len(result.rows), "total": result.total, "limit": limit, "offset": offset,
                "hasMore": offset + len(result.rows) < result.total,
                "downsamplingApplied": result.downsampling_applied}
    if result.aggregation:
        metadata["aggregation"], metadata["groupBy"] = result.aggregation, result.group_by
    return reply(token_info, {"data": result.rows, "metadata": metadata})
