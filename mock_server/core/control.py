"""The control API under ``/__mock/`` (documented in ``control.yaml``): the mock's own, not the API's."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import fast, fault_routes

CONTROL_SPEC = Path(__file__).with_name("control.yaml")


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def mount(inner, mock, ui=None):
    """``/__mock/*`` to the control routes, Swagger UI paths to ``ui`` (when given), everything
    else (any path bytes) to the API."""

    async def health(request: Request):
        return JSONResponse({"status": "ok", "service": "dakkio-mock", "api": mock.profile.name,
                             **mock.profile.health(mock.state)})

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
        return JSONResponse({"message": "Fixtures loaded", **mock.profile.health(mock.state)}, status_code=201)

    async def state(request: Request):
        return JSONResponse(mock.profile.fixtures.dump(mock.state))

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

    async def spec(request: Request):
        return Response(json.dumps(yaml.safe_load(CONTROL_SPEC.read_text())), media_type="application/json")

    async def operations(request: Request):
        return JSONResponse({"operations": [p.row() for p in mock.plans.values()]})

    routes = [
        Route("/__mock/operations", operations, methods=["GET"]),
        Route("/__mock/health", health, methods=["GET"]),
        Route("/__mock/reset", reset, methods=["POST"]),
        Route("/__mock/fixtures", load, methods=["POST"]),
        Route("/__mock/state", state, methods=["GET"]),
        Route("/__mock/journal", journal, methods=["GET"]),
        Route("/__mock/journal", clear_journal, methods=["DELETE"]),
        Route("/__mock/openapi.json", spec, methods=["GET"]),
        *fault_routes.routes(mock),
        *mock.profile.control_routes(mock),
    ]
    control = Starlette(routes=routes)
    contract_json = json.dumps(mock.contract.doc).encode()
    contract_yaml = yaml.safe_dump(mock.contract.doc, sort_keys=False, allow_unicode=True).encode()

    async def contract(scope, receive, send):
        """The contract as written (Connexion's copy has its $refs resolved: recursive schemas loop)."""
        as_yaml = scope["path"].endswith(".yaml")
        body, kind = (contract_yaml, b"application/yaml") if as_yaml else (contract_json, b"application/json")
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def dispatch(scope, receive, send):
        target = inner
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith("/__mock/"):
                target = control
            elif path in ("/openapi.json", "/openapi.yaml") and scope["method"] in ("GET", "HEAD"):
                target = contract
            elif ui is not None and (path in fast.UI_PATHS or path.startswith("/ui/")):
                target = ui
        await target(scope, receive, send)

    return dispatch
