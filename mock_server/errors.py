"""Typed errors raised by the store and handlers; turned into the Dakkio envelope in one place (app.py)."""

from http import HTTPStatus


class DakkioError(Exception):
    status = 500

    def __init__(self, message: str, details: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}

    @property
    def error(self) -> str:
        return "Validation Error" if self.status == 400 else HTTPStatus(self.status).phrase


class ValidationFailed(DakkioError):
    status = 400


class Unauthorized(DakkioError):
    status = 401


class Forbidden(DakkioError):
    status = 403


class NotFound(DakkioError):
    status = 404


class Conflict(DakkioError):
    status = 409


class TooManyRequests(DakkioError):
    status = 429


INVALID_PARAMS = "Invalid request parameters"
UNAUTHORIZED = "Invalid or missing API key"
NO_BUCKET_ACCESS = "API key does not have access to this bucket"
BUCKET_NOT_FOUND = "Bucket not found"
SOURCE_NOT_FOUND = "Data source not found"
KEY_NOT_FOUND = "API key not found"


def invalid(path: list, message: str) -> ValidationFailed:
    """A 400 with one Zod-style detail."""
    return ValidationFailed(INVALID_PARAMS, [{"path": path, "message": message}])


def envelope(error: str, message: str, details: list | None = None) -> dict:
    body = {"error": error, "message": message}
    if details:
        body["details"] = details
    return body
