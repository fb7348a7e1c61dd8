"""Request bodies over the limit (5 MiB) get a 413 in the profile's envelope, however they come.

A declared ``Content-Length`` over the limit is refused before reading; a chunked body is
buffered (Connexion takes a body without ``Content-Length`` for no body at all) and refused
once it grows past the limit; a body longer than its declared length is cut off the same way.
"""

from __future__ import annotations

from ..errors import PayloadTooLarge
from ..fast import read_body
from . import header_map, send_error

MAX_BODY = 5 * 1024 * 1024
TOO_LARGE = "Request body exceeds the 5 MiB limit"


class BodyTooLarge(PayloadTooLarge):
    def __init__(self):
        super().__init__(TOO_LARGE)


class BodyLimit:
    def __init__(self, app, mock, limit: int = MAX_BODY):
        self.app = app
        self.mock = mock
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = header_map(scope)
        length, chunked = headers.get(b"content-length"), b"transfer-encoding" in headers
        if length is not None:
            try:
                length = int(length or 0)
            except ValueError:
                length = 0
        if length is not None and length > self.limit:
            return await send_error(self.mock, scope, send, BodyTooLarge())
        if length is None and chunked:
            body = await read_body(receive, self.limit)
            if body is None:
                return await send_error(self.mock, scope, send, BodyTooLarge())
            scope["headers"] = [*(kv for kv in scope["headers"] if kv[0].lower() != b"transfer-encoding"),
                                (b"content-length", str(len(body)).encode())]
            receive = _replay(body, receive)
        await self.app(scope, _limited(receive, self.limit), send)


def _replay(body: bytes, receive):
    sent = [False]

    async def replay():
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _limited(receive, limit: int):
    seen = [0]

    async def wrapped():
        message = await receive()
        if message["type"] == "http.request":
            seen[0] += len(message.get("body", b""))
            if seen[0] > limit:
                raise BodyTooLarge()
        return message

    return wrapped
