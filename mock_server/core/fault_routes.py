"""The control API's fault routes (``/__mock/faults``, documented in control.yaml) over ``mock.faults``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .faults import FaultSyntax


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def routes(mock) -> list[Route]:
    async def listing(request: Request):
        """The command-line defaults and the rules, in the order they are tried."""
        return JSONResponse({"defaults": mock.faults.defaults(), "rules": [r.view() for r in mock.faults.rules]})

    async def add(request: Request):
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "Validation Error", "Body must be a JSON object")
        try:
            rule = mock.faults.add(body)
        except FaultSyntax as exc:
            return _error(400, "Validation Error", str(exc))
        return JSONResponse(rule.view(), status_code=201)

    async def clear(request: Request):
        mock.faults.clear()
        return JSONResponse({"message": "Fault rules removed"})

    async def remove(request: Request):
        if mock.faults.remove(request.path_params["id"]):
            return JSONResponse({"message": "Fault rule removed"})
        return _error(404, "Not Found", f"No fault rule {request.path_params['id']}")

    return [Route("/__mock/faults", listing, methods=["GET"]),
            Route("/__mock/faults", add, methods=["POST"]),
            Route("/__mock/faults", clear, methods=["DELETE"]),
            Route("/__mock/faults/{id}", remove, methods=["DELETE"])]
