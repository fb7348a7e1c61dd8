from . import reply
from .views import bucket_full, bucket_item


async def listBuckets(token_info, limit=100, offset=0):
    store = token_info["store"]
    items, total = store.list_buckets(limit, offset)
    return reply(token_info, {"buckets": [bucket_item(b) for b in items],
                  "pagination": {"limit": limit, "offset": offset, "total": total,
                                 "hasMore": offset + len(items) < total}})


async def createBucket(token_info, body):
    store = token_info["store"]
    bucket = store.create_bucket(body["name"], body.get("description"))
    return reply(token_info, {"message": "Bucket created successfully", "bucket": bucket_full(store, bucket, stats=False)}, 201)


async def getBucket(token_info, id):  # noqa: A002 - the spec's parameter name
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], id)
    return reply(token_info, {"bucket": bucket_full(store, bucket, stats=True)})


async def deleteBucket(token_info, id):  # noqa: A002
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], id)
    counts = store.delete_bucket(bucket)
    return reply(token_info, {"message": "Bucket deleted successfully",
                  "deletedBucket": {"_id": bucket.id, "name": bucket.name}, "deletedResources": counts})
