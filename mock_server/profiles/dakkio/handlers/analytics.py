from .. import views
from ..services import access, analytics


async def getBucketAnalytics(state, principal, bucketId, period="7d"):
    bucket = access.bucket_for(state, principal, bucketId)
    return {"analytics": views.bucket_analytics(analytics.bucket(state, bucket, period))}, 200


async def getAnalyticsOverview(state):
    return {"overview": views.overview(analytics.overview(state))}, 200
