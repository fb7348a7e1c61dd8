"""The baseline: bare Starlette doing the mock's work for the two benchmarked routes, unvalidated.

- ``GET /api/buckets/{id}``: API key lookup in a dict, bucket lookup in a dict, the same
  bucket JSON the mock returns (with ``stats``).
- ``POST /api/data``: API key lookup, parse the JSON body, append it to a list, answer 201
  with the same ``dataPoint`` shape as the mock.

No schema validation, no rate-limit headers, no journal, no CORS. Run with
``uvicorn --app-dir bench bare_app:app --no-access-log`` (uvloop + httptools, like dakkio-mock).
"""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

KEYS = {
    "dakkio_a_demoadmin0000000000000000000000000000000": "admin",
    "dakkio_w_homewrite0000000000000000000000000000000": "write",
}
BUCKETS = {
    "507f1f77bcf86cd799439011": {
        "_id": "507f1f77bcf86cd799439011",
        "name": "Home Sensors",
        "description": "Temperature and humidity sensors for my home",
        "createdAt": "2024-01-10T08:00:00.000Z",
        "updatedAt": "2024-01-10T08:00:00.000Z",
        "organizationId": "507f1f77bcf86cd799439000",
        "stats": {"dataSourceCount": 2, "dataPointCount": 384, "apiKeyCount": 2},
    },
}
POINTS: list[dict] = []
UNAUTHORIZED = {"error": "Unauthorized", "message": "Invalid or missing API key"}


def _now_iso() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


async def get_bucket(request: Request):
    if request.headers.get("x-api-key") not in KEYS:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    bucket = BUCKETS.get(request.path_params["id"].lower())
    if bucket is None:
        return JSONResponse({"error": "Not Found", "message": "Bucket not found"}, status_code=404)
    return JSONResponse({"bucket": bucket})


async def ingest(request: Request):
    if request.headers.get("x-api-key") not in KEYS:
        return JSONResponse(UNAUTHORIZED, status_code=401)
    body = await request.json()
    now = _now_iso()
    point = {"_id": f"{len(POINTS):024x}", "bucketId": body["bucketId"], "dataSourceId": body["dataSourceId"],
             "timestamp": body.get("timestamp") or now, "values": body["values"],
             "metadata": body.get("metadata") or {}, "createdAt": now}
    POINTS.append(point)
    return JSONResponse({"message": "Data point ingested successfully", "dataPoint": point}, status_code=201)


app = Starlette(routes=[
    Route("/api/buckets/{id}", get_bucket, methods=["GET"]),
    Route("/api/data", ingest, methods=["POST"]),
])
