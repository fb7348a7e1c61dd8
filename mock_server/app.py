"""Builds the mock: Connexion serves the contract; errors become the Dakkio envelope here.

Layers, outermost first: CORS -> ``Edge`` (rate-limit headers, body-size limit, Prism-style
``Prefer`` responses, request journal) -> control API under ``/__mock/`` -> Connexion
(routing, security, validation) -> thin handlers -> ``Store``.
"""

from __future__ import annotations

import collections
import copy
import functools
import json
import logging
import time
import urllib.parse
from http import HTTPStatus
from pathlib import Path

from connexion import AsyncApp, ConnexionMiddleware
from connexion.exceptions import OAuthProblem, ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionResponse
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from . import DEFAULT_FIXTURES, SPEC_PATH, control, fast, fixtures
from .errors import INVALID_PARAMS, UNAUTHORIZED, DakkioError, envelope
from .spec import Contract
from .store import Quota, Store
from .validation import VALIDATOR_MAP, RequestInvalid

log = logging.getLogger("dakkio.mock")
MAX_BODY = 5 * 1024 * 1024
TOO_LARGE = "Request body exceeds the 5 MiB limit"
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
_EDGE_HEADERS = {b"content-length", b"transfer-encoding", b"prefer", b"origin"}
_RATE_HEADERS_RAW = tuple(name.lower().encode() for name in RATE_HEADERS)


class Mock:
    """Everything one running mock owns: contract, store, fixtures and journal."""

    def __init__(self, fixtures_path=None, seed=None, rate_limit=None, clock=None, journal_size=1000):
        self.contract = Contract(SPEC_PATH)
        self.fixtures_path = fixtures_path
        self.seed = seed
        self.rate_limit = rate_limit
        self.clock = clock
        self.journal = collections.deque(maxlen=journal_size)
        self.store = None
        self.fixture_doc = fixtures.read(fixtures_path) if fixtures_path else None
        self.reset()

    def reset(self, doc: dict | None = None) -> None:
        if doc is not None:
            self.fixture_doc = doc
        quota = Quota(*self.rate_limit) if self.rate_limit else None
        store = Store(seed=self.seed, clock=self.clock, quota=quota)
        if self.fixture_doc:
            fixtures.apply(store, self.fixture_doc)
        if quota is None:
            store.quota.limit = store.org.plan["maxApiCalls"]
        self.default_quota = (store.quota.limit, store.quota.window)
        self.store = store


def _json_response(status: int, body: dict, headers: dict | None = None) -> ConnexionResponse:
    return ConnexionResponse(status_code=status, mimetype="application/json", content_type="application/json",
                             body=json.dumps(body), headers=dict(headers or {}))


def _record(request, body: dict) -> None:
    ext = request.scope.get("extensions")
    if isinstance(ext, dict):
        ext["dakkio_error"] = body


def _error_response(request, status: int, message: str, details=None, headers=None):
    err = "Validation Error" if status == 400 else HTTPStatus(status).phrase
    body = envelope(err, message, details)
    _record(request, body)
    return _json_response(status, body, headers)


def _allowed(mock: Mock, path: str) -> str:
    entry = mock.contract.match_path(path)
    return ", ".join(entry.operations) if entry else ""


def install_error_handlers(app: AsyncApp, mock: Mock) -> None:
    def on_dakkio(request, exc: DakkioError):
        return _error_response(request, exc.status, exc.message, exc.details, exc.headers)

    def on_problem(request, exc: ProblemException):
        status = exc.status or 500
        if isinstance(exc, RequestInvalid):
            return _error_response(request, 400, exc.detail, exc.details)
        if isinstance(exc, OAuthProblem) or status == 401:
            return _error_response(request, 401, UNAUTHORIZED)
        if isinstance(exc, UnsupportedMediaTypeProblem) or status == 415:
            return _error_response(request, 415, "Content-Type must be application/json")
        if status == 400 and exc.detail in ("RequestBody is required", "Request body must not be empty"):
            return _error_response(request, 400, INVALID_PARAMS,
                                   [{"path": ["body"], "message": "Expected object, received undefined"}])
        if status >= 500:
            log.error("server error: %s %s", exc.title, exc.detail)
            return _error_response(request, status, "An unexpected error occurred")
        return _error_response(request, status, exc.detail or HTTPStatus(status).phrase, None, exc.headers)

    def on_http(request, exc: HTTPException):
        status = exc.status_code
        if status == 404:
            return _error_response(request, 404, f"Cannot {request.method} {request.url.path}")
        if status == 405:
            allow = _allowed(mock, request.url.path) or (exc.headers or {}).get("Allow", "")
            return _error_response(request, 405, f"Method {request.method} is not allowed on this path",
                                   headers={"Allow": allow})
        return _error_response(request, status, exc.detail or HTTPStatus(status).phrase, None, exc.headers)

    app.add_error_handler(DakkioError, on_dakkio)
    app.add_error_handler(ProblemException, on_problem)
    app.add_error_handler(HTTPException, on_http)
    app.add_error_handler(Exception, _last_resort)


def _last_resort(request, exc: Exception):
    log.error("unhandled error", exc_info=exc)
    return _error_response(request, 500, "An unexpected error occurred")


class BodyTooLarge(ProblemException):
    def __init__(self):
        super().__init__(status=413, title="Payload Too Large", detail=TOO_LARGE)


class CorsWhenAsked:
    """Starlette's CORS middleware for requests that carry an ``Origin`` header (browsers). To any
    other request it would only add ``Vary: Origin``; ``Edge`` adds that itself, so those skip it."""

    def __init__(self, app, **options):
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            for k, _ in scope["headers"]:
                if k.lower() == b"origin":
                    return await self.cors(scope, receive, send)
            return await self.app(scope, receive, send)
        await self.cors(scope, receive, send)


class Edge:
    """Cross-cutting behaviour of every response, whatever produced it."""

    def __init__(self, app, mock: Mock):
        self.app = app
        self.mock = mock

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        ext = scope.setdefault("extensions", {})
        ext["dakkio"] = self.mock
        started = time.perf_counter()
        status_box = [0]
        mock = self.mock

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
                headers, vary, quota = [], [], False
                for k, v in message.get("headers", ()):
                    name = k.lower()
                    if name == b"vary" and vary_origin:
                        vary.append(v)
                        continue
                    quota = quota or name == b"x-ratelimit-limit"
                    headers.append((k, v))
                if not quota:
                    headers += [(name, value.encode()) for name, value in
                                zip(_RATE_HEADERS_RAW, mock.store.rate_limit_headers().values(), strict=True)]
                if vary_origin:   # as Starlette's CORS middleware does for a request without Origin
                    headers.append((b"vary", b", ".join([*vary, b"Origin"])))
                message = {**message, "headers": headers}
            await send(message)

        headers = {}
        for k, v in scope.get("headers", ()):
            k = k.lower()
            if k in _EDGE_HEADERS:
                headers[k.decode("latin-1")] = v.decode("latin-1")
        vary_origin = "origin" not in headers   # requests with an Origin came through CorsWhenAsked
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            await self._send_json(send_with_headers, 413, envelope("Payload Too Large", TOO_LARGE))
        elif not await self._prefer(scope, headers, send_with_headers):
            if "content-length" not in headers and "transfer-encoding" in headers:
                # Connexion takes a body without Content-Length for no body at all: buffer chunked ones.
                body = await fast.read_body(receive, MAX_BODY)
                if body is None:
                    await self._send_json(send_with_headers, 413, envelope("Payload Too Large", TOO_LARGE))
                    return self._journal(scope, 413, None, started)
                scope["headers"] = [*(kv for kv in scope["headers"] if kv[0].lower() != b"transfer-encoding"),
                                    (b"content-length", str(len(body)).encode())]
                receive = _replay(body, receive)
            await self.app(scope, _limited(receive), send_with_headers)
        if not scope["path"].startswith("/__mock/"):
            self._journal(scope, status_box[0], ext.get("dakkio_error"), started)

    async def _send_json(self, send, status, body, extra=None):
        payload = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        headers += [(k.encode(), str(v).encode()) for k, v in (extra or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _prefer(self, scope, headers, send) -> bool:
        """Prism's response control: ``Prefer: code=404, example=NAME`` or ``?__code=&__example=``."""
        prefs = {}
        if "prefer" not in headers and b"__" not in scope.get("query_string", b""):
            return False
        for part in headers.get("prefer", "").split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                prefs[k.strip().lower()] = v.strip().strip('"')
        raw_query = scope.get("query_string", b"")
        query = dict(urllib.parse.parse_qsl(raw_query.decode("latin-1"))) if b"__" in raw_query else {}
        code = prefs.get("code") or query.get("__code")
        example = prefs.get("example") or query.get("__example")
        if not code and not example:
            return False
        entry = self.mock.contract.match_path(scope["path"])
        operation = entry.operations.get(scope["method"]) if entry else None
        if operation is None:
            return False
        statuses = [code] if code else list(operation.responses)
        for status in statuses:
            found = self.mock.contract.example(operation, str(status), example)
            if found:
                extra = {}
                if str(status) == "429":
                    extra["Retry-After"] = "3600"
                if str(status) == "405":
                    extra["Allow"] = ", ".join(entry.operations)
                await self._send_json(send, int(status), found[1], extra)
                return True
        what = f"example '{example}'" if example else f"response {code}"
        await self._send_json(send, 404, envelope("Not Found", f"No documented {what} for {operation.operation_id}"))
        return True

    def _journal(self, scope, status, error, started):
        self.mock.journal.append({
            "time": time.time(),
            "method": scope["method"],
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": status,
            "durationMs": round((time.perf_counter() - started) * 1000, 3),
            "operationId": _operation_name(scope),
            "error": error,
        })


def _operation_name(scope) -> str | None:
    resolved = (scope["extensions"].get("connexion_routing") or {}).get("operation_id")
    return resolved.rsplit(".", 1)[-1] if resolved else None


def _replay(body: bytes, receive):
    sent = [False]

    async def replay():
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _limited(receive):
    seen = [0]

    async def wrapped():
        message = await receive()
        if message["type"] == "http.request":
            seen[0] += len(message.get("body", b""))
            if seen[0] > MAX_BODY:
                raise BodyTooLarge()
        return message

    return wrapped


def create_app(fixtures: str | Path | None = DEFAULT_FIXTURES, *, seed: int | None = None,
               rate_limit: tuple[int, str] | None = None, validate_responses: bool = False,
               clock=None, swagger_ui: bool = True, lean: bool = True):
    """The ASGI app. ``app.mock`` gives tests the store, journal and reset.

    ``lean=False`` serves through Connexion's stock handler path (for the differential test).
    """
    mock = Mock(fixtures, seed=seed, rate_limit=rate_limit, clock=clock)
    app_cls = fast.LeanAsyncApp if lean else AsyncApp
    ui_options = SwaggerUIOptions(swagger_ui=swagger_ui, swagger_ui_path="/ui")
    server_error = functools.partial(ServerErrorMiddleware, handler=_last_resort)
    if lean:
        fast.skip_spec_revalidation()
    cx = app_cls(__name__, validator_map=VALIDATOR_MAP, security_map=fast.SECURITY_MAP if lean else None, validate_responses=validate_responses,
                  swagger_ui_options=ui_options,
                  middlewares=fast.middlewares(server_error, validate_responses) if lean else
                  [server_error, *ConnexionMiddleware.default_middlewares[1:]])
    install_error_handlers(cx, mock)
    cx.add_api(copy.deepcopy(mock.contract.doc), strict_validation=False)
    ui = fast.ui_app(copy.deepcopy(mock.contract.doc), ui_options) if lean else None
    app = CorsWhenAsked(Edge(control.mount(cx, mock, ui), mock), allow_origins=["*"], allow_methods=["*"],
                        allow_headers=["*"], expose_headers=[*RATE_HEADERS, "Retry-After", "Allow"])
    app.mock = mock
    app.connexion = cx
    return app
