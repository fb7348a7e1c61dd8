"""Dakkio's own control routes (documented in control.yaml): ``PUT /__mock/quota`` sets the call
quota; ``/__mock/webhooks`` lists webhook deliveries, redelivers one, clears the list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .services.quota import WINDOWS


def _invalid(message: str) -> JSONResponse:
    return JSONResponse({"error": "Validation Error", "message": message}, 400)


def _not_found(delivery_id: str) -> JSONResponse:
    return JSONResponse({"error": "Not Found", "message": f"No webhook delivery {delivery_id}"}, 404)


def control_routes(mock) -> list[Route]:
    async def set_quota(request: Request):
        """Set the quota ({"limit": N, "window": "minute"}), or restore the default with {}."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _invalid("Body must be a JSON object")
        state = mock.state
        q = state.quota
        if not body:
            q.limit, q.window = state.default_quota
        else:
            limit, window = body.get("limit"), body.get("window", q.window)
            if not isinstance(limit, int) or limit < 0 or window not in WINDOWS:
                return _invalid("limit must be an integer >= 0 and window one of " + ", ".join(WINDOWS))
            q.limit, q.window = limit, window
        return JSONResponse({"limit": q.limit, "window": q.window, "used": q.used})

    async def deliveries(request: Request):
        """Webhook deliveries, oldest first: payload, attempts, statuses, latency, last error."""
        raw = request.query_params.get("limit")
        if raw is not None and not raw.isdigit():
            return _invalid("limit must be an integer >= 0")
        outbox = mock.state.webhooks
        found = outbox.listing(int(raw) if raw is not None else None)
        return JSONResponse({"mode": outbox.mode, "deliveries": found, "total": len(outbox)})

    async def delivery(request: Request):
        found = mock.state.webhooks.get(request.path_params["id"])
        return JSONResponse(found) if found else _not_found(request.path_params["id"])

    async def redeliver(request: Request):
        d = mock.state.webhooks.redeliver(request.path_params["id"])
        return JSONResponse(d.view(), 202) if d else _not_found(request.path_params["id"])

    async def clear(request: Request):
        mock.state.webhooks.clear()
        return JSONResponse({"message": "Webhook deliveries cleared"})

    return [Route("/__mock/quota", set_quota, methods=["PUT"]),
            Route("/__mock/webhooks", deliveries, methods=["GET"]),
            Route("/__mock/webhooks", clear, methods=["DELETE"]),
            Route("/__mock/webhooks/{id}", delivery, methods=["GET"]),
            Route("/__mock/webhooks/{id}/redeliver", redeliver, methods=["POST"])]
