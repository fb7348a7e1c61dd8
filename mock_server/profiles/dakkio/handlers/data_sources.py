from .. import views
from ..services import access, data_sources


async def listDataSources(state, principal, bucketId):
    bucket = access.bucket_for(state, principal, bucketId)
    return {"dataSources": [views.source_item(s) for s in data_sources.of_bucket(state, bucket.id)]}, 200


async def createDataSource(state, principal, bucketId, body):
    bucket = access.bucket_for(state, principal, bucketId)
    src = data_sources.create(state, bucket, body["name"], body.get("type", "sensor"), body.get("description"),
                              body["schema"], body.get("downsampling", True))
    return {"message": "Data source created successfully", "dataSource": views.source_created(src)}, 201
