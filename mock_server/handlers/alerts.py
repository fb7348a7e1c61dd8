from . import reply
from .views import alert_created, alert_item


async def createAlertRule(token_info, body):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], body["bucketId"])
    rule = store.create_alert(bucket, body["dataSourceId"], body["name"], body["condition"],
                              body["webhookUrl"], body.get("cooldownMinutes", 5))
    return reply(token_info, {"message": "Alert rule created successfully", "alertRule": alert_created(rule)}, 201)


async def listAlertRules(token_info, bucketId):
    store = token_info["store"]
    bucket = store.bucket_for(token_info["principal"], bucketId)
    return reply(token_info, {"alertRules": [alert_item(r) for r in store.alerts_of(bucket.id)]})
