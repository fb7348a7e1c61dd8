from .. import views
from ..services import access, alerts


async def createAlertRule(state, principal, body):
    bucket = access.bucket_for(state, principal, body["bucketId"])
    rule = alerts.create(state, bucket, body["dataSourceId"], body["name"], body["condition"],
                         body["webhookUrl"], body.get("cooldownMinutes", 5))
    return {"message": "Alert rule created successfully", "alertRule": views.alert_created(rule)}, 201


async def listAlertRules(state, principal, bucketId):
    bucket = access.bucket_for(state, principal, bucketId)
    return {"alertRules": [views.alert_item(r) for r in alerts.of_bucket(state, bucket.id)]}, 200
