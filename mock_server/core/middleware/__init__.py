"""ASGI middleware around the Connexion app, one concern each (outermost first in ``app.stack``)."""

from __future__ import annotations

import json


async def send_json(send, status: int, body: dict, headers: dict | None = None) -> None:
    """A complete JSON response, for middleware that answers by itself."""
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


async def send_error(mock, scope, send, error) -> None:
    """An ``ApiError`` in the profile's envelope (recorded for the journal)."""
    status, body, headers = mock.profile.render_error(error)
    scope.setdefault("extensions", {})[ERROR_BODY] = body
    await send_json(send, status, body, headers)


ERROR_BODY = "mock_error_body"     # scope["extensions"] key: the error body sent, for the journal
_HEADERS = "mock_headers"


def header_map(scope) -> dict:
    """The request's headers as {lower-case name: value} (bytes), built once per request and shared
    by the middleware that look at one or two of them."""
    ext = scope.get("extensions")
    if ext is None:
        ext = scope["extensions"] = {}
    found = ext.get(_HEADERS)
    if found is None:
        found = ext[_HEADERS] = {k.lower(): v for k, v in scope["headers"]}
    return found
