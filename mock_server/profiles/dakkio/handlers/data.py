from ....core import timeutil
from .. import views
from ..errors import invalid
from ..services import access, data, ingest


def _stored(state, bucket, points: list, where: list):
    """Ingest, with a refused point reported at its place in the request body."""
    try:
        return ingest.ingest(state, bucket, points)
    except ingest.PointInvalid as err:
        at = [*where, err.index] if where[-1] == "dataPoints" else where
        raise invalid([*at, *err.where], err.message) from None


async def ingestData(state, principal, body):
    bucket = access.bucket_for(state, principal, body["bucketId"])
    stored = _stored(state, bucket, [body], ["body"])
    return {"message": "Data point ingested successfully",
            "dataPoint": views.ingested_point(state, bucket, body, stored)}, 201


async def batchIngestData(state, principal, body):
    bucket = access.bucket_for(state, principal, body["bucketId"])
    stored = _stored(state, bucket, body["dataPoints"], ["body", "dataPoints"])
    return {"message": "Batch data ingested successfully", "insertedCount": stored.count}, 201


async def queryData(state, principal, body):
    filters = body.get("filters") or {}
    start = timeutil.parse(filters["startTime"]) if "startTime" in filters else None
    end = timeutil.parse(filters["endTime"]) if "endTime" in filters else None
    if start is not None and end is not None and start > end:
        raise invalid(["body", "filters", "startTime"], "startTime must be before or equal to endTime")
    aggregation, group_by = body.get("aggregation"), body.get("groupBy")  # together: checked by the schema
    bucket = access.bucket_for(state, principal, body["bucketId"])
    limit, offset = filters.get("limit", 100), filters.get("offset", 0)
    result = data.query(state, bucket, body.get("dataSourceId"), start, end, limit, offset, aggregation, group_by,
                        views.point_rows(state), views.aggregated_row)
    return {"data": result.rows, "metadata": views.query_metadata(result, limit, offset)}, 200
