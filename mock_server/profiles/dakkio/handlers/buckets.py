from .. import views
from ..services import access, buckets


async def listBuckets(state, limit=100, offset=0):
    items, total = buckets.page(state, limit, offset)
    return {"buckets": [views.bucket_item(b) for b in items],
            "pagination": views.pagination(limit, offset, len(items), total)}, 200


async def createBucket(state, body):
    bucket = buckets.create(state, body["name"], body.get("description"))
    return {"message": "Bucket created successfully", "bucket": views.bucket_full(state, bucket, stats=False)}, 201


async def getBucket(state, principal, id):  # noqa: A002 - the spec's parameter name
    bucket = access.bucket_for(state, principal, id)
    return {"bucket": views.bucket_full(state, bucket, stats=True)}, 200


async def deleteBucket(state, principal, id):  # noqa: A002
    bucket = access.bucket_for(state, principal, id)
    counts = buckets.delete(state, bucket)
    return {"message": "Bucket deleted successfully", "deletedBucket": {"_id": bucket.id, "name": bucket.name},
            "deletedResources": views.deleted_resources(counts)}, 200
