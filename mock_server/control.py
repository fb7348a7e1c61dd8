"""The control API under ``/__mock/`` (documented in ``control.yaml``): not part of Dakkio."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import fast, fixtures

CONTROL_SPEC = Path(__file__).with_name("control.yaml")


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def mount(inner, mock, ui=None):
    """``/__mock/*`` to the control routes, Swagger UI paths to ``ui`` (when given), everything
    else (any path bytes) to the Dakkio app."""

    async def health(request: Request):
        store = mock.store
        return JSONResponse({"status": "ok", "service": "dakkio-mock", "buckets": len(store.buckets),
                             "dataSources": len(store.sources)})

    async def reset(request: Request):
        mock.reset()
        mock.journal.clear()
        return JSONResponse({"message": "State reset to fixtures"})

    async def load(request: Request):
        raw = await request.body()
        try:
            doc = yaml.safe_load(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            return _error(400, "Validation Error", f"Fixture document is not valid YAML or JSON: {exc}")
        if not isinstance(doc, dict):
            return _error(400, "Validation Error", "Fixture document must be an object")
        previous = mock.fixture_doc
        try:
            mock.reset(doc)
        except Exception as exc:  # a bad document must not leave a half-loaded store
            mock.reset(previous)
            return _error(400, "Validation Error", f"Fixture document rejected: {exc!r}")
        return JSONResponse({"message": "Fixtures loaded", "buckets": len(mock.store.buckets)}, status_code=201)

    async def state(request: Request):
        return JSONResponse(fixtures.dump(mock.store))

    async def journal(request: Request):
        try:
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            return _error(400, "Validation Error", "limit must be an integer")
        entries = list(mock.journal)[-max(0, limit):] if limit else []
        return JSONResponse({"entries": entries, "total": len(mock.journal)})

    async def clear_journal(request: Request):
        mock.journal.clear()
        return JSONResponse({"message": "Journal cleared"})

    async def quota(request: Request):
        """Set the quota ({"limit": N, "window": "minute"}), or restore the default with {}."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(400, "Validation Error", "Body must be a JSON object")
        q = mock.store.quota
        if not body:
            q.limit, q.window = mock.default_quota
        else:
            limit, window = body.get("limit"), body.get("window", q.window)
            if not isinstance(limit, int) or limit < 0 or window not in ("second", "minute", "hour", "day", "month"):
                return _error(400, "Validation Error", "limit must be an integer >= 0 and window one of "
                                                       "second, minute, hour, day, month")
            q.limit, q.window = limit, window
        return JSONResponse({"limit": q.limit, "window": q.window, "used": q.used})

    async def spec(request: Request):
        return Response(json.dumps(yaml.safe_load(CONTROL_SPEC.read_text())), media_type="application/json")

    routes = [
        Route("/__mock/health", health, methods=["GET"]),
        Route("/__mock/reset", reset, methods=["POST"]),
        Route("/__mock/fixtures", load, methods=["POST"]),
        Route("/__mock/state", state, methods=["GET"]),
        Route("/__mock/journal", journal, methods=["GET"]),
        Route("/__mock/journal", clear_journal, methods=["DELETE"]),
        Route("/__mock/quota", quota, methods=["PUT"]),
        Route("/__mock/openapi.json", spec, methods=["GET"]),
    ]
    control = Starlette(routes=routes)

    async def dispatch(scope, receive, send):
        target = inner
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith("/__mock/"):
                target = control
            elif ui is not None and (path in fast.UI_PATHS or path.startswith("/ui/")):
                target = ui
        await target(scope, receive, send)

    return dispatch
