"""Connexion 3.3 hooks that take per-request work off the hot path (see perf notes in the project docs).

- ``LeanAsyncApp``: operations call their handler through ``LeanOperation``, an adapter built
  once per operation (argument names, query defaults and types precomputed), instead of
  Connexion's per-request decorator chain (which re-inspects the handler's signature and
  rebuilds two decorators on every request). Request validation, security and routing stay
  Connexion's; by the time the adapter runs the request has passed them.
- ``PrebuiltValidationMiddleware``: Connexion's request validation, with the URI parser, the
  parameter validator and the media-type table built once per operation instead of per request.
- ``LeanSecurityOperation``: an operation guarded by one
  apiKey-in-header scheme reads the header from the scope and calls the key function directly
  (same outcomes as the stock chain).
- ``MemoRoutingMiddleware``: Connexion's routing, with a memo of the (method, path) pairs the
  Starlette router has already resolved to an operation.
- The content type of a request is parsed once per distinct header value.
- ``skip_spec_revalidation``: Connexion validates the whole spec at every start (~0.4 s); the
  contract's own test suite validates it, so the mock does not repeat it.

These touch private Connexion APIs: the version is pinned to 3.3.* in pyproject.toml, and
``tests/test_fast_path.py`` compares the stock and lean paths on every operation so an upgrade
that changes them breaks loudly.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import urllib.parse

import orjson
from connexion import AsyncApp, utils
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import OAuthProblem, OAuthResponseProblem, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedMiddleware
from connexion.middleware.request_validation import RequestValidationAPI, RequestValidationOperation
from connexion.middleware.routing import RoutingAPI, RoutingMiddleware, RoutingOperation
from connexion.middleware.routing import _scope as _routing_scope
from connexion.middleware.security import SecurityAPI, SecurityOperation
from connexion.security import NO_VALUE
from connexion.spec import Specification
from starlette.routing import Mount

from .resolver import respond
from .security import MOCK
from .validation import PARSED_BODY, loads_json

_NOTHING = object()


class LeanOperation(AsyncOperation):
    def __init__(self, operation, **kwargs):
        super().__init__(operation.function, operation_id=operation.operation_id, **kwargs)
        self._handler = getattr(operation.function, "handler", operation.function)   # see resolver.bind
        signature = inspect.signature(self._handler)
        args = set(signature.parameters)
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
            args |= {p["name"] for p in operation.parameters if p["in"] in ("path", "query")}   # takes them all
        self._wants_state = "state" in args
        self._wants_principal = "principal" in args
        self._wants_token = "token_info" in args
        self._wants_body = "body" in args
        self._path = [p["name"] for p in operation.parameters if p["in"] == "path" and p["name"] in args]
        self._query = [(p["name"], p.get("schema", {}).get("type"), p.get("schema", {}).get("default"))
                       for p in operation.parameters if p["in"] == "query" and p["name"] in args]

    async def __call__(self, scope, receive, send):
        kwargs = {}
        if self._wants_state:
            kwargs["state"] = scope["extensions"][MOCK].state
        if self._wants_principal or self._wants_token:
            token_info = scope["extensions"]["connexion_context"].get("token_info")
            if self._wants_token:
                kwargs["token_info"] = token_info
            if self._wants_principal:
                kwargs["principal"] = token_info["principal"] if token_info else None
        path_params = scope.get("path_params", {})
        for name in self._path:
            kwargs[name] = path_params[name]
        if self._query:
            raw = dict(urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
            for name, typ, default in self._query:
                if name in raw:
                    kwargs[name] = int(raw[name]) if typ == "integer" else raw[name]
                elif default is not None:
                    kwargs[name] = default
        if self._wants_body:
            parsed = scope["extensions"].pop(PARSED_BODY, _NOTHING)   # parsed once, by the validator
            if parsed is _NOTHING:                 # no body (an optional one), or not JSON-validated
                raw = await read_body(receive)
                parsed = loads_json(raw) if raw.strip() else None
            kwargs["body"] = parsed
        body, status, headers = respond(await self._handler(**kwargs))
        if isinstance(body, bytes):                     # raw (a response with no content: b"")
            payload = body
        elif isinstance(body, str) and "json" not in headers.get("Content-Type", "json"):
            payload = body.encode()
        else:
            payload = dump_json(body)
        if status == 204:
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        raw_headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
        raw_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})


def dump_json(body) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:                 # integers beyond 64 bits (a huge offset, a huge value)
        return json.dumps(body).encode()


async def read_body(receive, limit: int | None = None) -> bytes | None:
    """The whole request body; None once it grows past ``limit`` bytes."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts)
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body"):
            return b"".join(parts)


class PrebuiltValidationOperation(RequestValidationOperation):
    """Stock request validation with its request-independent parts built once per operation."""

    def __init__(self, next_app, *, operation, strict_validation=False, validator_map=None):
        super().__init__(next_app, operation=operation, strict_validation=strict_validation,
                         validator_map=validator_map)
        op = operation
        self._uri_parser = op._uri_parser_class(op.parameters, op.body_definition())
        self._parameters = self._validator_map["parameter"](
            op.parameters, uri_parser=self._uri_parser, strict_validation=strict_validation,
            security_query_params=self.security_query_params)
        self._consumes = MediaTypeDict([(c.lower(), None) for c in op.consumes]) if op.consumes else None
        self._bodies: dict = {}
        self._content_types: dict = {}

    def extract_content_type(self, headers) -> tuple[str, str]:
        """Stock result, memoised on the raw header value (ASGI header names are lower case)."""
        raw = None
        for key, value in headers:
            if key == b"content-type":
                raw = value
                break
        hit = self._content_types.get(raw)
        if hit is None:
            hit = super().extract_content_type([] if raw is None else [(b"content-type", raw)])
            if len(self._content_types) < 64:
                self._content_types[raw] = hit
        return hit

    def validate_mime_type(self, mime_type: str) -> None:
        if self._consumes is not None and mime_type.lower() not in self._consumes:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self._operation.consumes}")

    def _body(self, mime_type):
        hit = self._bodies.get(mime_type)
        if hit is None:
            op = self._operation
            schema = op.body_schema(mime_type)
            validator = None
            if schema:
                try:
                    validator = self._validator_map["body"][mime_type]
                except KeyError:
                    validator = None
            hit = self._bodies[mime_type] = (schema, validator, op.request_body.get("required", False),
                                             utils.is_nullable(op.body_definition(mime_type)))
        return hit

    async def __call__(self, scope, receive, send):
        self._parameters.validate(scope)
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        schema, validator_cls, required, nullable = self._body(mime_type)
        if validator_cls is not None:
            validator = validator_cls(schema=schema, required=required, nullable=nullable, encoding=encoding,
                                      strict_validation=self.strict_validation, uri_parser=self._uri_parser)
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


class PrebuiltValidationAPI(RequestValidationAPI):
    def make_operation(self, operation):
        return PrebuiltValidationOperation(self.next_app, operation=operation,
                                           strict_validation=self.strict_validation, validator_map=self.validator_map)


class PrebuiltValidationMiddleware(RoutedMiddleware[PrebuiltValidationAPI]):
    api_cls = PrebuiltValidationAPI


class LeanApi(AsyncApi):
    def make_operation(self, operation):
        return LeanOperation(operation, jsonifier=self.jsonifier, pythonic_params=self.pythonic_params)


class LeanAsyncApp(AsyncApp):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._middleware_app.api_cls = LeanApi


class RememberingRoutingOperation(RoutingOperation):
    """Stock routing result, also written to the middleware's memo: (method, root path, path) ->
    (operation id, API base path, path parameters)."""

    def __init__(self, operation_id, next_app, memo: dict):
        super().__init__(operation_id, next_app)
        self._memo = memo

    async def __call__(self, scope, receive, send):
        original = _routing_scope.get()
        if self.operation_id is not None:
            def root(s):
                return s.get("route_root_path", s.get("root_path", ""))

            if len(self._memo) >= ROUTE_MEMO_SIZE:
                self._memo.clear()
            self._memo[(original["method"], original.get("root_path", ""), original["path"])] = (
                self.operation_id, root(scope)[len(root(original)):], dict(scope.get("path_params", {})))
        await super().__call__(scope, receive, send)


class RememberingRoutingAPI(RoutingAPI):
    def __init__(self, *args, memo: dict, **kwargs):
        self._memo = memo
        super().__init__(*args, **kwargs)

    def make_operation(self, operation):
        return RememberingRoutingOperation(operation.operation_id, self.next_app, self._memo)


ROUTE_MEMO_SIZE = 4096


class MemoRoutingMiddleware(RoutingMiddleware):
    """Connexion's routing, memoised: a (method, path) the Starlette router has resolved to an
    operation is not matched again (devices and dashboards call the same paths over and over).
    Only resolved operations are remembered; unknown paths, 405s and redirects always take the
    router. The next app sees what the stock ``RoutingOperation`` gives it: a copy of the scope
    with the path parameters and the routing context."""

    def __init__(self, app):
        super().__init__(app)
        self._memo: dict = {}

    def add_api(self, specification, base_path=None, arguments=None, **kwargs):
        api = RememberingRoutingAPI(specification, base_path=base_path, arguments=arguments,
                                    next_app=self.app, memo=self._memo, **kwargs)
        for route in self.router.routes:   # as stock: chain APIs sharing a base path
            if isinstance(route, Mount) and route.path == api.base_path:
                route.app.default = api.router
        self.router.mount(api.base_path, app=api.router)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            hit = self._memo.get((scope["method"], scope.get("root_path", ""), scope["path"]))
            if hit is not None:
                operation_id, api_base_path, path_params = hit
                routed = scope.copy()
                routed.setdefault("path_params", {}).update(path_params)
                routed.setdefault("extensions", {}).setdefault(ROUTING_CONTEXT, {}).update(
                    {"api_base_path": api_base_path, "operation_id": operation_id})
                return await self.app(routed, receive, send)
        await super().__call__(scope, receive, send)


class LeanSecurityOperation(SecurityOperation):
    """Stock security, except that an operation guarded by exactly one apiKey-in-header scheme
    reads the header straight from the scope and calls the key function itself: no Starlette
    ``Headers`` and no generic chain of wrappers per request. Same outcomes as the stock chain:
    no key -> "No authorization token provided", None -> "Provided apikey is not valid",
    exceptions pass through, and the context gets ``user`` and ``token_info``."""

    def __init__(self, next_app, **kwargs):
        super().__init__(next_app, **kwargs)
        self._fast = None
        if self.security and len(self.security) == 1 and len(self.security[0]) == 1:
            [(name, scopes)] = self.security[0].items()
            scheme = self.security_schemes.get(name) or {}
            handler = self.security_handler_factory.security_handlers.get("apiKey")
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and handler is not None:
                func = handler()._resolve_func(scheme)
                if func is not None:
                    self._fast = (scheme["name"].lower().encode("latin-1"), func, scopes,
                                  handler._accepts_kwarg(func, handler.required_scopes_kw),
                                  handler._accepts_kwarg(func, handler.request_kw))

    async def __call__(self, scope, receive, send):
        if self._fast is None:
            return await super().__call__(scope, receive, send)
        header, func, scopes, wants_scopes, wants_request = self._fast
        api_key = None
        for key, value in scope["headers"]:
            if key == header:
                api_key = value.decode("latin-1")
                break
        if api_key is None:
            raise OAuthProblem(detail="No authorization token provided")
        kwargs = {}
        if wants_scopes:
            kwargs["required_scopes"] = scopes
        if wants_request:
            kwargs["request"] = ConnexionRequest(scope)
        token_info = func(api_key, **kwargs)
        while asyncio.iscoroutine(token_info):
            token_info = await token_info
        if token_info is NO_VALUE:
            raise OAuthProblem(detail="No authorization token provided")
        if token_info is None:
            raise OAuthResponseProblem(detail="Provided apikey is not valid")
        context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
        context.update({"user": token_info.get("sub", token_info.get("uid")), "token_info": token_info})
        await self.next_app(scope, receive, send)


class LeanSecurityAPI(SecurityAPI):
    def make_operation(self, operation):
        return LeanSecurityOperation.from_operation(operation, next_app=self.next_app,
                                                    security_handler_factory=self.security_handler_factory)


class LeanSecurityMiddleware(RoutedMiddleware[LeanSecurityAPI]):
    api_cls = LeanSecurityAPI


def skip_spec_revalidation() -> None:
    Specification._validate_spec = classmethod(lambda cls, spec: None)


def middlewares(server_error, validate_responses: bool, before_handler=None) -> list:
    """Connexion's stack with the prebuilt validation; no response validation unless asked; no
    context middleware (the lean adapter reads what it needs from the scope); no Swagger UI pass
    in front of every request (``ui_app`` serves it on its own paths). ``before_handler`` runs
    inside response validation (headers it adds are validated with the handler's response)."""
    from connexion.middleware.exceptions import ExceptionMiddleware
    from connexion.middleware.lifespan import LifespanMiddleware
    from connexion.middleware.response_validation import ResponseValidationMiddleware

    stack = [server_error, ExceptionMiddleware, MemoRoutingMiddleware, LeanSecurityMiddleware,
             PrebuiltValidationMiddleware]
    if validate_responses:
        stack.append(ResponseValidationMiddleware)
        if before_handler is not None:
            stack.append(before_handler)
    return [*stack, LifespanMiddleware]


UI_PATHS = ("/ui", "/openapi.json", "/openapi.yaml")


def ui_app(spec: dict, options):
    """Swagger UI and the spec documents, served by Connexion's own Swagger UI middleware alone."""
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware

    app = AsyncApp(__name__, middlewares=[SwaggerUIMiddleware], swagger_ui_options=options)
    app.add_api(spec, resolver_error=501)
    return app
