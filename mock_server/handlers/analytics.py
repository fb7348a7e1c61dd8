from . import reply


async def getBucketAnalytics(token_info, bucketId, period="7d"):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], bucketId)
    return reply(token_info, {"analytics": store.bucket_analytics(bucket, period)})


async def getAnalyticsOverview(token_info):
    return reply(token_info, {"overview": token_info["store"].overview()})
