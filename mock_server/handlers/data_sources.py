from . import reply
from .views import source_created, source_item


async def listDataSources(token_info, bucketId):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], bucketId)
    return reply(token_info, {"dataSources": [source_item(s) for s in store.sources_of(bucket.id)]})


async def createDataSource(token_info, bucketId, body):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], bucketId)
    src = store.create_source(bucket, body["name"], body.get("type", "sensor"), body.get("description"),
                              body["schema"], body.get("downsampling", True))
    return reply(token_info, {"message": "Data source created successfully", "dataSource": source_created(src)}, 201)
