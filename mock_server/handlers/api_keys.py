from . import reply
from .views import key_created, key_item


async def listApiKeys(token_info, bucketId):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], bucketId)
    return reply(token_info, {"apiKeys": [key_item(k) for k in store.keys_of(bucket.id)]})


async def createApiKey(token_info, bucketId, body):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], bucketId)
    key = store.add_key(body["type"], body["name"], bucket.id)
    return reply(token_info, {"message": "API key created successfully", "apiKey": key_created(key)}, 201)


async def deleteApiKey(token_info, bucketId, keyId):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], bucketId)
    key = store.delete_key(bucket, keyId)
    return reply(token_info, {"message": "API key deleted successfully",
                  "deletedKey": {"_id": key.id, "name": key.name, "type": key.type}})
