"""Typed errors that any layer may raise; the profile renders them in its envelope, in one place.

Services raise these with the API's own messages; the core raises them for what the framework
finds (unknown route, wrong method, bad content type, oversized or malformed body). A request
that breaks the spec's schemas becomes a ``RequestInvalid`` carrying neutral ``Problem``s that
the profile's wording turns into its own message and details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any


class ApiError(Exception):
    status = 500

    def __init__(self, message: str, details: Any = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}

    @property
    def phrase(self) -> str:
        return HTTPStatus(self.status).phrase


def _status(code: int, name: str) -> type[ApiError]:
    return type(name, (ApiError,), {"status": code, "__doc__": f"HTTP {code} {HTTPStatus(code).phrase}."})


BadRequest = _status(400, "BadRequest")
Unauthorized = _status(401, "Unauthorized")
Forbidden = _status(403, "Forbidden")
NotFound = _status(404, "NotFound")
Conflict = _status(409, "Conflict")
PayloadTooLarge = _status(413, "PayloadTooLarge")
UnsupportedMediaType = _status(415, "UnsupportedMediaType")
Unprocessable = _status(422, "Unprocessable")
TooManyRequests = _status(429, "TooManyRequests")
ServerError = _status(500, "ServerError")


class MethodNotAllowed(ApiError):
    status = 405


class Unauthenticated(ApiError):
    """No credential, or one that names nobody: each profile decides the status (401, 403...)."""

    status = 401


class RouteNotFound(NotFound):
    """No path of the spec matches."""


@dataclass
class Problem:
    """One thing wrong with a request, in neutral terms.

    ``path`` starts with the location (``body``, ``query``, ``path``); ``kind`` is a JSON Schema
    keyword (``type``, ``required``, ``minLength``...) or one of the parsing kinds
    ``missing``, ``repeated``, ``not_integer``, ``not_number``, ``invalid_json``, ``not_utf8``.
    ``expected`` is the keyword's value, ``instance`` what was sent (``UNDEFINED`` when nothing),
    ``schema`` the schema (or parameter) that applies, for profile-specific extensions.
    """

    path: list
    kind: str
    expected: Any = None
    instance: Any = None
    schema: dict = field(default_factory=dict)
    text: str = ""          # the validator's own English, for kinds a profile does not word itself


UNDEFINED = type("Undefined", (), {"__repr__": lambda self: "UNDEFINED"})()


class RequestInvalid(ApiError):
    """The request breaks the spec. Rendered through the profile's wording."""

    status = 400

    def __init__(self, problems: list[Problem], location: str):
        super().__init__("Invalid request")
        self.problems = problems
        self.location = location
