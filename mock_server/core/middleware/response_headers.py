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
                extra = make(self.mock.state)
                present = {k.lower() for k, _ in message.get("headers", ())}
                added = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()
                         if k.lower().encode("latin-1") not in present]
                if added:
                    message = {**message, "headers": [*message.get("headers", ()), *added]}
            await send(message)

        await self.app(scope, receive, with_headers)
