"""The request journal (``GET /__mock/journal``): method, path, status, time, any error body and
any injected fault (``injected``).

It also puts the running mock in the scope, where the security check and the lean handler
path find it (``core.security.MOCK``).
"""

from __future__ import annotations

import time

from ..security import MOCK
from . import ERROR_BODY
from .faults import INJECTED


class Journal:
    def __init__(self, app, mock):
        self.app = app
        self.mock = mock

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        ext = scope.setdefault("extensions", {})
        ext[MOCK] = self.mock
        if scope["path"].startswith("/__mock/"):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = [0]

        async def noting_status(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            self.mock.journal.append({
                "time": time.time(),
                "method": scope["method"],
                "path": scope["path"],
                "query": scope.get("query_string", b"").decode("latin-1"),
                "status": status[0],
                "durationMs": round((time.perf_counter() - started) * 1000, 3),
                "operationId": _operation_name(scope),
                "error": ext.get(ERROR_BODY),
                **({"injected": ext[INJECTED]} if INJECTED in ext else {}),   # a fault of middleware.faults
            })


def _operation_name(scope) -> str | None:
    resolved = (scope["extensions"].get("connexion_routing") or {}).get("operation_id")
    return resolved.rsplit(".", 1)[-1] if resolved else None
