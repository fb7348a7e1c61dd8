"""Builds a mock from a profile: Connexion serves the contract; errors take the profile's envelope.

Layers, outermost first (``stack``): CORS -> journal -> profile response headers -> injected
faults and latency -> body limit -> Prism-style ``Prefer`` -> control API (``/__mock/``) and Swagger UI -> Connexion
(routing, security, validation) -> the profile's thin handlers -> its services over one state.
"""

from __future__ import annotations

import collections
import copy
import functools
import logging
from pathlib import Path

import yaml
from connexion import AsyncApp, ConnexionMiddleware
from connexion.exceptions import OAuthProblem, ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionResponse
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException

from openapi_model import inference as plan
from openapi_model.contract import Contract

from . import control, fast
from .errors import (
    UNDEFINED,
    ApiError,
    MethodNotAllowed,
    Problem,
    RequestInvalid,
    RouteNotFound,
    ServerError,
    Unauthenticated,
    UnsupportedMediaType,
)
from .faults import FaultModel
from .generic import handlers as generic_handlers
from .generic.store import GenericStore
from .middleware import ERROR_BODY
from .middleware.body_limit import BodyLimit
from .middleware.cors import CorsWhenAsked
from .middleware.faults import InjectFaults
from .middleware.journal import Journal
from .middleware.prefer import PreferExamples
from .middleware.response_headers import ResponseHeaders
from .profile import Profile, Settings
from .resolver import ProfileResolver
from .security import SECURITY_MAP
from .validation import VALIDATOR_MAP

log = logging.getLogger("mock")
UNEXPECTED = "An unexpected error occurred"


class Mock:
    """Everything one running mock owns: its profile, contract, settings, state and journal."""

    def __init__(self, profile: Profile, fixtures_path=None, settings: Settings | None = None, journal_size=1000):
        self.profile = profile
        self.contract = Contract(profile.spec)
        self.settings = settings or Settings()
        self.journal = collections.deque(maxlen=journal_size)
        self.faults = FaultModel(self.settings.seed)   # injected faults and latency (middleware.faults)
        self.state = None
        self.generic = None      # the store of operations no profile implements
        self.plans = {}          # operationId -> how it answers (filled by the resolver)
        self.fixture_doc = read_fixtures(fixtures_path) if fixtures_path else None
        self.reset()

    def reset(self, doc: dict | None = None) -> None:
        """A fresh state, with ``doc`` (or the fixtures loaded last) applied."""
        if doc is not None:
            self.fixture_doc = doc
        state = self.profile.new_state(self.settings)
        if self.fixture_doc:
            self.profile.fixtures.load(state, self.fixture_doc)
        self.state = state
        self.generic = state if isinstance(state, GenericStore) else GenericStore(self.settings.seed,
                                                                                  self.contract.resolve)


def read_fixtures(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _raw_match(mock: Mock, scope):
    """The documented path an encoded one matches before decoding: ``/roles/a%2Fb`` is a role whose
    name holds a slash (the router, after decoding, saw one segment too many), so its errors are
    that operation's, in the shape the spec documents."""
    raw = scope.get("raw_path")
    return mock.contract.match_path(raw.decode("latin-1")) if isinstance(raw, bytes) and b"%2" in raw.upper() else None


def _respond(request, mock: Mock, error: ApiError) -> ConnexionResponse:
    ext = request.scope.get("extensions")
    ext = ext if isinstance(ext, dict) else {}
    operation = mock.contract.operation_for((ext.get("connexion_routing") or {}).get("operation_id"))
    if operation is None:                   # e.g. a typed path parameter Connexion's router refused
        entry = mock.contract.match_path(request.scope["path"]) or _raw_match(mock, request.scope)
        operation = entry.operations.get(request.method) if entry else None
    status, body, headers = mock.profile.render_error(error, operation)
    ext[ERROR_BODY] = body
    headers = dict(headers)
    media = next((headers.pop(k) for k in list(headers) if k.lower() == "content-type"), "application/json")
    return ConnexionResponse(status_code=status, mimetype=media, content_type=media,
                             body=fast.dump_json(body), headers=headers)


def framework_error(request, exc: Exception, allowed) -> ApiError:
    """What Connexion or Starlette raised, as the core's typed error (Connexion's problems are
    Starlette ``HTTPException``s too: they go first)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ProblemException):
        status = exc.status or 500
        if isinstance(exc, OAuthProblem) or status == 401:
            return Unauthenticated(exc.detail or "No credential")
        if isinstance(exc, UnsupportedMediaTypeProblem) or status == 415:
            return UnsupportedMediaType("Content-Type must be application/json")
        if status == 400 and exc.detail in ("RequestBody is required", "Request body must not be empty"):
            return RequestInvalid([Problem(["body"], "type", "object", UNDEFINED, {}, "body is required")], "body")
        if status >= 500:
            log.error("server error: %s %s", exc.title, exc.detail)
            return ServerError(UNEXPECTED)
        return _plain(status, exc.detail, exc.headers)
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status == 404:
            return RouteNotFound(f"Cannot {request.method} {request.scope['path']}")
        if status == 405:
            allow = allowed(request.scope["path"]) or (exc.headers or {}).get("Allow", "")
            return MethodNotAllowed(f"Method {request.method} is not allowed on this path", headers={"Allow": allow})
        return _plain(status, exc.detail, exc.headers)
    log.error("unhandled error", exc_info=exc)
    return ServerError(UNEXPECTED)


def _plain(status: int, message, headers) -> ApiError:
    err = ApiError(message or "", headers=dict(headers or {}))
    err.status = status
    return err


def install_error_handlers(app: AsyncApp, mock: Mock) -> None:
    def allowed(path: str) -> str:
        entry = mock.contract.match_path(path)
        return ", ".join(entry.operations) if entry else ""

    def handle(request, exc):
        return _respond(request, mock, framework_error(request, exc, allowed))

    for kind in (ApiError, ProblemException, HTTPException, Exception):
        app.add_error_handler(kind, handle)


def _last_resort(mock):
    def handler(request, exc):
        log.error("unhandled error", exc_info=exc)
        return _respond(request, mock, ServerError(UNEXPECTED))
    return handler


def stack(inner, mock: Mock):
    """The ASGI middleware around the Connexion app (and the control API), outermost last applied."""
    app = PreferExamples(inner, mock)
    app = BodyLimit(app, mock)
    app = InjectFaults(app, mock)
    app = ResponseHeaders(app, mock)
    app = Journal(app, mock)
    return CorsWhenAsked(app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                         expose_headers=[*mock.profile.expose_headers, "Allow"])


def create_app(profile: Profile | str | None = "dakkio", fixtures: str | Path | None = "default", *,
               spec: str | Path | None = None,
               seed: int | None = None, rate_limit: tuple[int, str] | None = None, validate_responses: bool = False,
               clock=None, swagger_ui: bool = True, lean: bool = True,
               latency: str | None = None, fault_rate: str | None = None, webhooks: str = "local",
               credentials: tuple = ()):
    """The ASGI app of ``profile`` (a ``Profile`` or its name), or of the contract at ``spec`` served
    with no profile. ``app.mock`` gives tests the state, journal and reset. ``fixtures``: a path,
    ``"default"`` (the profile's demo data) or None.

    ``lean=False`` serves through Connexion's stock handler path (for the differential test).
    """
    if spec is not None:
        from .generic.profile import from_spec
        profile = from_spec(spec)
    elif isinstance(profile, str):
        from ..profiles import get
        profile = get(profile)
    if fixtures == "default":
        fixtures = profile.fixtures.default
    mock = Mock(profile, fixtures, Settings(seed=seed, clock=clock, rate_limit=rate_limit, webhooks=webhooks,
                                        credentials=tuple(credentials)))
    mock.faults.configure(latency, fault_rate)   # --latency, --fault-rate (core.faults grammar)
    app_cls = fast.LeanAsyncApp if lean else AsyncApp
    ui_options = SwaggerUIOptions(swagger_ui=swagger_ui, swagger_ui_path="/ui")
    server_error = functools.partial(ServerErrorMiddleware, handler=_last_resort(mock))
    if lean:
        fast.skip_spec_revalidation()
    # The profile's headers are added inside response validation too, so that validation sees them.
    headers = functools.partial(ResponseHeaders, mock=mock)
    stock = list(ConnexionMiddleware.default_middlewares)
    stock[0] = server_error
    stock.insert(stock.index(ResponseValidationMiddleware) + 1, headers)
    cx = app_cls(__name__, validator_map=VALIDATOR_MAP, security_map=SECURITY_MAP, validate_responses=validate_responses,
                 swagger_ui_options=ui_options,
                 middlewares=fast.middlewares(server_error, validate_responses, headers) if lean else stock)
    install_error_handlers(cx, mock)
    resolver = ProfileResolver(mock)
    mock.plans = plan.infer(mock.contract, resolver.implemented(), profile.name)
    resolver.fallback = lambda op_id: generic_handlers.make(mock, mock.plans[op_id])
    cx.add_api(copy.deepcopy(mock.contract.doc), strict_validation=False, resolver=resolver)
    # Build Connexion's stack now: a spec it cannot serve fails at start, not as 500s on every request.
    cx.middleware.app, cx.middleware.middleware_stack = cx.middleware._build_middleware_stack()
    ui = fast.ui_app(copy.deepcopy(mock.contract.doc), ui_options) if lean else None
    app = stack(control.mount(cx, mock, ui), mock)
    app.mock = mock
    app.connexion = cx
    return app
