"""Headers the profile puts on every response, whatever produced it (Dakkio: ``X-RateLimit-*``).

A response that already carries them (a handler set them) keeps its own.
"""

from __future__ import annotations


class ResponseHeaders:
    def __init__(self, app, mock):
        self.app = app
        self.mock = mock

    async def __call__(self, scope, receive, send):
        make = self.mock.profile.response_headers
        if scope["type"] != "http" or make is None:
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                present = {k.lower() for k, _ in headers}
                added = [(name, v.encode("latin-1")) for name, v in
                         ((_raw(k), v) for k, v in make(self.mock.state).items()) if name not in present]
                if added:
                    message = {**message, "headers": [*headers, *added]}
            await send(message)

        await self.app(scope, receive, with_headers)


_RAW: dict = {}


def _raw(name: str) -> bytes:
    raw = _RAW.get(name)
    if raw is None:
        raw = _RAW[name] = name.lower().encode("latin-1")
    return raw
