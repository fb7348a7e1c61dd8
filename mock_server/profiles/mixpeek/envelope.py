"""Mixpeek's error envelope, for every error the mock sends (DESIGN decisions 27, 28).

``{"success": false, "status": int, "error": {"message": str, "type": str, "details"?: object}}``.
Missing or unknown credentials are 403 ``UnauthorizedError``; a request the spec refuses is 422
``ValidationError`` with Pydantic's error list (``loc``, ``msg``, ``type``): the real service is
FastAPI, so that is what its clients see.
"""

from __future__ import annotations

from ...core.errors import UNDEFINED, ApiError, Problem, RequestInvalid, Unauthenticated
from .services import UNAUTHORIZED

TYPES = {400: "BadRequestError", 401: "UnauthorizedError", 403: "UnauthorizedError", 404: "NotFoundError",
         405: "MethodNotAllowedError", 409: "AlreadyExistsError", 413: "PayloadTooLargeError",
         415: "UnsupportedMediaTypeError", 422: "ValidationError", 429: "TooManyRequestsError",
         500: "InternalServerError"}


def envelope(status: int, message: str, details: dict | None = None) -> dict:
    error = {"message": message, "type": TYPES.get(status, "InternalServerError" if status >= 500 else "BadRequestError")}
    if details:
        error["details"] = details
    return {"success": False, "status": status, "error": error}


def render(err: ApiError, operation=None) -> tuple[int, dict, dict]:
    if isinstance(err, RequestInvalid):
        return 422, envelope(422, "Request validation failed",
                             {"errors": [pydantic(p) for p in err.problems]}), {}
    if isinstance(err, Unauthenticated):
        return 403, envelope(403, UNAUTHORIZED), {}
    details = err.details if isinstance(err.details, dict) else None
    return err.status, envelope(err.status, err.message, details), dict(err.headers)


_TYPE_NAMES = {"string": ("string_type", "a valid string"), "object": ("dict_type", "a valid dictionary"),
               "integer": ("int_type", "a valid integer"), "number": ("float_type", "a valid number"),
               "boolean": ("bool_type", "a valid boolean"), "array": ("list_type", "a valid list")}


def pydantic(p: Problem) -> dict:
    """One problem as a Pydantic v2 error entry."""
    kind, value = p.kind, p.expected
    if kind == "required" or (kind == "type" and p.instance is UNDEFINED):
        return {"loc": p.path, "msg": "Field required", "type": "missing"}
    if kind == "anyOf" and isinstance(p.instance, dict):   # one of several required keys (schema/bucket_schema)
        return {"loc": [*p.path, "bucket_schema"], "msg": "Field required", "type": "missing"}
    if kind == "type":
        expected = value if isinstance(value, str) else value[0]
        code, what = _TYPE_NAMES.get(expected, (f"{expected}_type", f"a valid {expected}"))
        return {"loc": p.path, "msg": f"Input should be {what}", "type": code}
    plural = "" if value == 1 else "s"
    simple = {
        "minLength": lambda: (f"String should have at least {value} character{plural}", "string_too_short"),
        "maxLength": lambda: (f"String should have at most {value} character{plural}", "string_too_long"),
        "minimum": lambda: (f"Input should be greater than or equal to {value}", "greater_than_equal"),
        "maximum": lambda: (f"Input should be less than or equal to {value}", "less_than_equal"),
        "enum": lambda: (_enum_message(value), "enum"),
        "pattern": lambda: (f"String should match pattern '{value}'", "string_pattern_mismatch"),
        "invalid_json": lambda: ("JSON decode error", "json_invalid"),
        "not_utf8": lambda: ("Input should be a valid UTF-8 string", "json_invalid"),
        "repeated": lambda: ("Input should be a single value", "repeated"),
    }
    msg, code = simple[kind]() if kind in simple else (p.text, kind)
    return {"loc": p.path, "msg": msg, "type": code}


def _enum_message(options) -> str:
    quoted = [f"'{o}'" for o in options or ()]
    if len(quoted) <= 1:
        return f"Input should be {''.join(quoted)}"
    return f"Input should be {', '.join(quoted[:-1])} or {quoted[-1]}"
