"""Dakkio's own control route: ``PUT /__mock/quota`` sets the call quota (documented in control.yaml)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .services.quota import WINDOWS


def control_routes(mock) -> list[Route]:
    async def set_quota(request: Request):
        """Set the quota ({"limit": N, "window": "minute"}), or restore the default with {}."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"error": "Validation Error", "message": "Body must be a JSON object"}, 400)
        state = mock.state
        q = state.quota
        if not body:
            q.limit, q.window = state.default_quota
        else:
            limit, window = body.get("limit"), body.get("window", q.window)
            if not isinstance(limit, int) or limit < 0 or window not in WINDOWS:
                return JSONResponse({"error": "Validation Error", "message": "limit must be an integer >= 0 and "
                                     "window one of " + ", ".join(WINDOWS)}, 400)
            q.limit, q.window = limit, window
        return JSONResponse({"limit": q.limit, "window": q.window, "used": q.used})

    return [Route("/__mock/quota", set_quota, methods=["PUT"])]
