"""ASGI middleware around the Connexion app, one concern each (outermost first in ``app.stack``)."""

from __future__ import annotations

import json


async def send_json(send, status: int, body, headers: dict | None = None) -> None:
    """A complete JSON response, for middleware that answers by itself (``headers`` may set the
    content type, e.g. ``application/problem+json``)."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if body is None and status == 204:
        payload = b""
        headers.setdefault("content-type", "")
    elif isinstance(body, str) and "json" not in headers.get("content-type", "json"):
        payload = body.encode()
    else:
        payload = json.dumps(body).encode()
    media = headers.pop("content-type", "application/json")
    raw = [(b"content-type", media.encode("latin-1"))] if media else []
    raw.append((b"content-length", str(len(payload)).encode()))
    raw += [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


async def send_error(mock, scope, send, error) -> None:
    """An ``ApiError`` in the profile's envelope (recorded for the journal)."""
    entry = mock.contract.match_path(scope["path"])
    operation = entry.operations.get(scope["method"]) if entry else None
    status, body, headers = mock.profile.render_error(error, operation)
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
