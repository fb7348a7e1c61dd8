"""Prism's response control: ``Prefer: code=404, example=NAME`` (or ``?__code=&__example=``)
answers that documented response and example of the operation without touching state."""

from __future__ import annotations

import urllib.parse

from ..errors import NotFound
from . import header_map, send_error, send_json


class PreferExamples:
    def __init__(self, app, mock):
        self.app = app
        self.mock = mock

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not await self._answered(scope, send):
            await self.app(scope, receive, send)

    async def _answered(self, scope, send) -> bool:
        raw_query = scope.get("query_string", b"")
        prefer = header_map(scope).get(b"prefer")
        if prefer is None and b"__" not in raw_query:
            return False
        prefer = prefer.decode("latin-1") if prefer is not None else None
        prefs = {}
        for part in (prefer or "").split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                prefs[k.strip().lower()] = v.strip().strip('"')
        query = dict(urllib.parse.parse_qsl(raw_query.decode("latin-1"))) if b"__" in raw_query else {}
        code = prefs.get("code") or query.get("__code")
        example = prefs.get("example") or query.get("__example")
        if not code and not example:
            return False
        contract = self.mock.contract
        entry = contract.match_path(scope["path"])
        operation = entry.operations.get(scope["method"]) if entry else None
        if operation is None:
            return False
        for status in [code] if code else list(operation.responses):
            found = contract.example(operation, str(status), example)
            if found:
                extra = {}
                if str(status) == "429":
                    extra["Retry-After"] = "3600"
                if str(status) == "405":
                    extra["Allow"] = ", ".join(entry.operations)
                await send_json(send, int(status), found[1], extra)
                return True
        what = f"example '{example}'" if example else f"response {code}"
        await send_error(self.mock, scope, send, NotFound(f"No documented {what} for {operation.operation_id}"))
        return True
