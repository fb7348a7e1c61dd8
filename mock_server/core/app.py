"""Builds a mock from a profile: Connexion serves the contract; errors take the profile's envelope.

Layers, outermost first (``stack``): CORS -> journal -> profile response headers -> body
limit -> Prism-style ``Prefer`` -> control API (``/__mock/``) and Swagger UI -> Connexion
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

from . import control, fast
from .contract import Contract
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
from .middleware import ERROR_BODY
from .middleware.body_limit import BodyLimit
from .middleware.cors import CorsWhenAsked
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
        self.state = None
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


def read_fixtures(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _respond(request, mock: Mock, error: ApiError) -> ConnexionResponse:
    status, body, headers = mock.profile.render_error(error)
    ext = request.scope.get("extensions")
    if isinstance(ext, dict):
        ext[ERROR_BODY] = body
    return ConnexionResponse(status_code=status, mimetype="application/json", content_type="application/json",
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
            return RouteNotFound(f"Cannot {request.method} {request.url.path}")
        if status == 405:
            allow = allowed(request.url.path) or (exc.headers or {}).get("Allow", "")
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


def example_fallback(mock: Mock):
    """Operations the profile does not implement answer their first documented success example."""

    def for_operation(op_id: str):
        operation = mock.contract.by_id[op_id]
        statuses = sorted(s for s in operation.responses if str(s).startswith("2")) or ["200"]

        async def examples():
            found = mock.contract.example(operation, str(statuses[0]))
            return (found[1] if found else {}), int(statuses[0])
        examples.__name__ = op_id
        return examples

    return for_operation


def stack(inner, mock: Mock):
    """The ASGI middleware around the Connexion app (and the control API), outermost last applied."""
    app = PreferExamples(inner, mock)
    app = BodyLimit(app, mock)
    app = ResponseHeaders(app, mock)
    app = Journal(app, mock)
    return CorsWhenAsked(app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                         expose_headers=[*mock.profile.expose_headers, "Allow"])


def create_app(profile: Profile | str = "dakkio", fixtures: str | Path | None = "default", *,
               seed: int | None = None, rate_limit: tuple[int, str] | None = None, validate_responses: bool = False,
               clock=None, swagger_ui: bool = True, lean: bool = True):
    """The ASGI app of ``profile`` (a ``Profile`` or its name). ``app.mock`` gives tests the state,
    journal and reset. ``fixtures``: a path, ``"default"`` (the profile's demo data) or None.

    ``lean=False`` serves through Connexion's stock handler path (for the differential test).
    """
    if isinstance(profile, str):
        from ..profiles import get
        profile = get(profile)
    if fixtures == "default":
        fixtures = profile.fixtures.default
    mock = Mock(profile, fixtures, Settings(seed=seed, clock=clock, rate_limit=rate_limit))
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
    cx.add_api(copy.deepcopy(mock.contract.doc), strict_validation=False,
               resolver=ProfileResolver(mock, example_fallback(mock)))
    ui = fast.ui_app(copy.deepcopy(mock.contract.doc), ui_options) if lean else None
    app = stack(control.mount(cx, mock, ui), mock)
    app.mock = mock
    app.connexion = cx
    return app
