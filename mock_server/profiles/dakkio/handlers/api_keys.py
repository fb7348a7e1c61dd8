from .. import views
from ..services import access, api_keys


async def listApiKeys(state, principal, bucketId):
    bucket = access.bucket_for(state, principal, bucketId)
    return {"apiKeys": [views.key_item(k) for k in api_keys.of_bucket(state, bucket.id)]}, 200


async def createApiKey(state, principal, bucketId, body):
    bucket = access.bucket_for(state, principal, bucketId)
    key = api_keys.add(state, body["type"], body["name"], bucket.id)
    return {"message": "API key created successfully", "apiKey": views.key_created(key)}, 201


async def deleteApiKey(state, principal, bucketId, keyId):
    bucket = access.bucket_for(state, principal, bucketId)
    key = api_keys.delete(state, bucket, keyId)
    return {"message": "API key deleted successfully",
            "deletedKey": {"_id": key.id, "name": key.name, "type": key.type}}, 200
