"""Dakkio's error envelope and Zod wording: how every error of the mock looks on the wire.

``{"error": <reason phrase, or "Validation Error" for 400>, "message": str, "details"?: [{path, message}]}``
(DESIGN decision 2), for errors of the services and of the framework alike. Validation problems
are worded as Zod words them, since the real service validates with Zod; a schema or parameter
may pin the top-level message with ``x-dakkio-*`` extensions (decision 19).
"""

from __future__ import annotations

import json
from http import HTTPStatus

from ...core.errors import UNDEFINED, ApiError, Problem, RequestInvalid, Unauthenticated
from .errors import INVALID_PARAMS, UNAUTHORIZED

_PHRASES = {400: "Validation Error", 413: "Payload Too Large"}


def envelope(error: str, message: str, details: list | None = None) -> dict:
    body = {"error": error, "message": message}
    if details:
        body["details"] = details
    return body


def render(err: ApiError, operation=None) -> tuple[int, dict, dict]:
    """(status, body, headers) of any error (the same envelope whatever the operation)."""
    if isinstance(err, RequestInvalid):
        message, details = word(err)
        return 400, envelope(_PHRASES[400], message, details), {}
    if isinstance(err, Unauthenticated):
        return 401, envelope(HTTPStatus(401).phrase, UNAUTHORIZED), dict(err.headers)
    status = err.status
    phrase = _PHRASES.get(status) or HTTPStatus(status).phrase
    headers = dict(err.headers)
    if getattr(err, "retry_after", None):
        headers["Retry-After"] = str(err.retry_after)
    return status, envelope(phrase, err.message, err.details), headers


def word(err: RequestInvalid) -> tuple[str, list | None]:
    """The top-level message and Zod-style details of a rejected request."""
    first = err.problems[0]
    if err.location == "path":
        return first.schema.get("x-dakkio-invalid-message", INVALID_PARAMS), None
    if first.kind in ("invalid_json", "not_utf8"):
        return first.text, None
    found = [item for p in err.problems for item in zod(p)]
    for _, _, pinned in found:
        if pinned:
            return pinned, None
    found.sort(key=lambda p: [str(x) for x in p[0]])
    details, seen = [], set()
    for path, msg, _ in found:
        key = (tuple(path), msg)
        if key not in seen:
            seen.add(key)
            details.append({"path": path, "message": msg})
    return INVALID_PARAMS, details


def zod_type(value, expected: str | None = None) -> str:
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "float" if expected == "integer" and not value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _expected(schema: dict) -> str:
    t = schema.get("type")
    if t:
        return t if isinstance(t, str) else " | ".join(t)
    alts = schema.get("oneOf") or schema.get("anyOf")
    if alts:
        return " | ".join(a.get("type", "unknown") for a in alts)
    return "object" if "properties" in schema else "unknown"


def _quote(v) -> str:
    return f"'{v}'" if isinstance(v, str) else json.dumps(v)


_FORMATS = {"date-time": "Invalid datetime", "uri": "Invalid url"}


def zod(p: Problem) -> list[tuple[list, str, str | None]]:
    """(path, Zod message, pinned top-level message or None) for one problem."""
    path, kind, value, schema, inst = p.path, p.kind, p.expected, p.schema, p.instance
    if kind == "required":
        return [(path, f"Expected {_expected(schema)}, received undefined", None)]
    if kind == "type":
        expected = value if isinstance(value, str) else value[0]
        return [(path, f"Expected {expected}, received {zod_type(inst, expected)}", None)]
    if kind == "repeated":
        return [(path, f"Expected a single value, received {inst}", None)]
    together = schema.get("x-dakkio-together")
    if kind == "anyOf" and together and isinstance(inst, dict):
        missing = [name for name in together if name not in inst]
        return [([*path, name], f"{' and '.join(together)} must be given together", None) for name in missing]
    simple = {
        "oneOf": lambda: f"Expected {_expected(schema)}, received {zod_type(inst)}",
        "anyOf": lambda: f"Expected {_expected(schema)}, received {zod_type(inst)}",
        "minLength": lambda: f"String must contain at least {value} character(s)",
        "maxLength": lambda: f"String must contain at most {value} character(s)",
        "pattern": lambda: schema.get("x-dakkio-pattern-message", "Invalid"),
        "enum": lambda: f"Invalid enum value. Expected {' | '.join(_quote(o) for o in value)}, received {_quote(inst)}",
        "minimum": lambda: f"Number must be greater than or equal to {value}",
        "maximum": lambda: f"Number must be less than or equal to {value}",
        "minItems": lambda: f"Array must contain at least {value} element(s)",
        "maxItems": lambda: f"Array must contain at most {value} element(s)",
        "minProperties": lambda: f"Object must contain at least {value} key(s)",
        "format": lambda: _FORMATS.get(value, "Invalid"),
    }
    message = simple[kind]() if kind in simple else p.text
    pinned = schema.get("x-dakkio-max-length-message") if kind == "maxLength" else None
    return [(path, message, pinned)]
