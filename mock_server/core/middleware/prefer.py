"""Prism's response control: ``Prefer: code=404, example=NAME, dynamic=true`` (or the query's
``__code``, ``__example``, ``__dynamic``) answers that documented response of the operation
(its named or first example; generated from its schema with ``dynamic``) without touching state."""

from __future__ import annotations

import urllib.parse

from ..errors import NotFound
from ..generic.responses import NO_BODY, answer
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
        prefs = {}
        for part in (prefer.decode("latin-1") if prefer is not None else "").split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                prefs[k.strip().lower()] = v.strip().strip('"')
        # As Prism: with a Prefer header, the __code/__example/__dynamic query parameters are ignored.
        query = dict(urllib.parse.parse_qsl(raw_query.decode("latin-1"))) if prefer is None else {}
        code = prefs.get("code") or query.get("__code")
        example = prefs.get("example") or query.get("__example")
        dynamic = (prefs.get("dynamic") or query.get("__dynamic") or "").lower() == "true"
        if not code and not example and not dynamic:
            return False
        contract = self.mock.contract
        entry = contract.match_path(scope["path"])
        operation = entry.operations.get(scope["method"]) if entry else None
        if operation is None:
            return False
        found = None
        for status in [code] if code else [None, *(s for s in operation.responses if s[:1] == "2")]:
            found = answer(contract, operation, self.mock.generic.generator, status, example, dynamic)
            if found is not None:
                break
        if found is None:
            what = f"example '{example}'" if example else f"response {code}"
            await send_error(self.mock, scope, send, NotFound(f"No documented {what} for {operation.operation_id}"))
            return True
        headers = dict(found.headers)
        if found.status == 429:
            headers.setdefault("Retry-After", "3600")
        if found.status == 405:
            headers.setdefault("Allow", ", ".join(entry.operations))
        if found.media:
            headers["Content-Type"] = found.media
        await send_json(send, found.status, None if found.body is NO_BODY else found.body, headers)
        return True
