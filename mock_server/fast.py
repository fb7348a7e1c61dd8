"""Connexion 3.3 hooks that take per-request work off the hot path (see perf notes in the project docs).

- ``LeanAsyncApp``: operations call their handler through ``LeanOperation``, an adapter built
  once per operation (argument names, query defaults and types precomputed), instead of
  Connexion's per-request decorator chain (which re-inspects the handler's signature and
  rebuilds two decorators on every request). Request validation, security and routing stay
  Connexion's; by the time the adapter runs the request has passed them.
- ``PrebuiltValidationMiddleware``: Connexion's request validation, with the URI parser, the
  parameter validator and the media-type table built once per operation instead of per request.
- ``CachedApiKeySecurityHandler``: the apiKey check without re-inspecting the key function's
  signature twice per request.
- ``skip_spec_revalidation``: Connexion validates the whole spec at every start (~0.4 s); the
  contract's own test suite validates it, so the mock does not repeat it.

These touch private Connexion APIs: the version is pinned to 3.3.* in pyproject.toml, and
``tests/test_fast_path.py`` compares the stock and lean paths on every operation so an upgrade
that changes them breaks loudly.
"""

from __future__ import annotations

import inspect
import json
import urllib.parse

import orjson
from connexion import AsyncApp, utils
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.middleware.abstract import RoutedMiddleware
from connexion.middleware.request_validation import RequestValidationAPI, RequestValidationOperation
from connexion.security import ApiKeySecurityHandler
from connexion.spec import Specification

from .validation import PARSED_BODY, loads_json

_NOTHING = object()


class LeanOperation(AsyncOperation):
    def __init__(self, operation, **kwargs):
        super().__init__(operation.function, operation_id=operation.operation_id, **kwargs)
        self._handler = inspect.unwrap(operation.function)
        args = set(inspect.signature(self._handler).parameters)
        self._wants_token = "token_info" in args
        self._wants_body = "body" in args
        self._path = [p["name"] for p in operation.parameters if p["in"] == "path" and p["name"] in args]
        self._query = [(p["name"], p.get("schema", {}).get("type"), p.get("schema", {}).get("default"))
                       for p in operation.parameters if p["in"] == "query" and p["name"] in args]

    async def __call__(self, scope, receive, send):
        kwargs = {}
        if self._wants_token:
            kwargs["token_info"] = scope["extensions"]["connexion_context"].get("token_info")
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
            kwargs["body"] = loads_json(await read_body(receive)) if parsed is _NOTHING else parsed
        body, status, headers = await self._handler(**kwargs)
        try:
            payload = orjson.dumps(body)
        except TypeError:                 # integers beyond 64 bits (a huge offset, a huge value)
            payload = json.dumps(body).encode()
        raw_headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
        raw_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})


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


class CachedApiKeySecurityHandler(ApiKeySecurityHandler):
    """Stock apiKey handling, minus two ``inspect.signature`` calls per request."""

    _seen: dict = {}

    @staticmethod
    def _accepts_kwarg(func, keyword: str) -> bool:
        key = (func, keyword)
        hit = CachedApiKeySecurityHandler._seen.get(key)
        if hit is None:
            hit = CachedApiKeySecurityHandler._seen[key] = ApiKeySecurityHandler._accepts_kwarg(func, keyword)
        return hit


SECURITY_MAP = {"apiKey": CachedApiKeySecurityHandler}


def skip_spec_revalidation() -> None:
    Specification._validate_spec = classmethod(lambda cls, spec: None)


def middlewares(server_error, validate_responses: bool) -> list:
    """Connexion's stack with the prebuilt validation; no response validation unless asked; no
    context middleware (the lean adapter reads what it needs from the scope); no Swagger UI pass
    in front of every request (``ui_app`` serves it on its own paths)."""
    from connexion.middleware.exceptions import ExceptionMiddleware
    from connexion.middleware.lifespan import LifespanMiddleware
    from connexion.middleware.response_validation import ResponseValidationMiddleware
    from connexion.middleware.routing import RoutingMiddleware
    from connexion.middleware.security import SecurityMiddleware

    stack = [server_error, ExceptionMiddleware, RoutingMiddleware, SecurityMiddleware, PrebuiltValidationMiddleware]
    if validate_responses:
        stack.append(ResponseValidationMiddleware)
    return [*stack, LifespanMiddleware]


UI_PATHS = ("/ui", "/openapi.json", "/openapi.yaml")


def ui_app(spec: dict, options):
    """Swagger UI and the spec documents, served by Connexion's own Swagger UI middleware alone."""
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware

    app = AsyncApp(__name__, middlewares=[SwaggerUIMiddleware], swagger_ui_options=options)
    app.add_api(spec, resolver_error=501)
    return app
