"""CORS for browser apps on other ports: Starlette's middleware, only for requests that ask.

To a request without ``Origin`` (devices, curl, servers) CORS would only add ``Vary: Origin``;
this adds that header itself and skips the rest.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware

from . import header_map


class CorsWhenAsked:
    def __init__(self, app, **options):
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or b"origin" in header_map(scope):
            return await self.cors(scope, receive, send)

        async def vary_origin(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                vary = [v for k, v in headers if k.lower() == b"vary"]
                if vary:
                    headers = [(k, v) for k, v in headers if k.lower() != b"vary"]
                headers.append((b"vary", b", ".join([*vary, b"Origin"])))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, vary_origin)
