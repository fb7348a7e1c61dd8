from .. import services, views


def _schema(body: dict) -> dict:
    """``bucket_schema``, or the seed example's ``schema`` alias (``bucket_schema`` wins; decision 30)."""
    return body["bucket_schema"] if body.get("bucket_schema") is not None else body["schema"]


async def createBucket(state, principal, body):
    bucket = services.create(state, principal.namespace, body["bucket_name"], body.get("description"),
                             _schema(body), body.get("metadata") or {})
    return views.bucket(bucket), 200


createBucketV2 = createBucket


async def getBucket(state, principal, bucket_identifier):
    return views.bucket(services.find(state, principal.namespace, bucket_identifier)), 200


async def listBucketsGet(state, principal, limit=10, offset=0):
    items, total = services.page(state, principal.namespace, limit, offset)
    return views.bucket_list(items, total, limit, offset), 200


async def listBuckets(state, principal, limit=10, offset=0, body=None):
    """Paging from the body wins over the query string's (decision 26)."""
    body = body or {}
    limit, offset = body.get("limit", limit), body.get("offset", offset)
    return await listBucketsGet(state, principal, limit, offset)


async def updateBucket(state, principal, bucket_identifier, body):
    return views.bucket(services.update(state, principal.namespace, bucket_identifier, body or {})), 200


async def deleteBucket(state, principal, bucket_identifier):
    return views.deletion(services.delete(state, principal.namespace, bucket_identifier)), 200
