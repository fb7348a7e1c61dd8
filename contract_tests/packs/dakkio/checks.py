"""Assertions shared by the suites (DESIGN decision 25: exact messages only where pinned)."""

from __future__ import annotations

import math
import re
import time
from datetime import datetime

from .contract import UNAUTHORIZED

TS_OUT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")
REASON = {400: "Validation Error", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests"}


def body_of(r):
    assert r.headers.get("content-type", "").split(";")[0].strip() == "application/json", \
        f"{r.status_code} with content type {r.headers.get('content-type')!r}: {r.text[:300]}"
    return r.json()


def ok(r, status=200):
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:500]}"
    return body_of(r)


def error(r, status, message=None, path=None, details=None):
    """The Dakkio envelope with ``status``; ``message``/``path`` only where the contract pins them."""
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:500]}"
    body = body_of(r)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str), \
        f"not the Dakkio error envelope: {body}"
    if status in REASON:
        assert body["error"] == REASON[status], f"error should be {REASON[status]!r}: {body}"
    if message is not None:
        assert body["message"] == message, f"message should be {message!r}: {body}"
    if "details" in body:
        assert isinstance(body["details"], list) and all(
            isinstance(d.get("path"), list) and isinstance(d.get("message"), str) for d in body["details"]), body
    if path is not None:
        paths = [d["path"] for d in body.get("details", [])]
        assert path in paths, f"expected a detail at {path}, got {paths}"
    if details is False:
        assert "details" not in body, f"no details expected: {body}"
    return body


def unauthorized(r):
    return error(r, 401, UNAUTHORIZED)


def rate_headers(r):
    values = {}
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        v = r.headers.get(name)
        assert v is not None and v.strip().isdigit(), f"{name} missing or not an integer on {r.status_code}: {v!r}"
        values[name] = int(v)
    assert values["X-RateLimit-Remaining"] <= values["X-RateLimit-Limit"], values
    return values


def parse_ts(value: str) -> float:
    assert isinstance(value, str) and TS_OUT.match(value), f"not a UTC timestamp YYYY-MM-DDTHH:MM:SS[.mmm]Z: {value!r}"
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def recent(value: str, tolerance: float = 300.0) -> None:
    t = parse_ts(value)
    assert abs(t - time.time()) <= tolerance, f"server time {value} is more than {tolerance:.0f} s from now"


def close(a, b, rel=1e-9, abs_tol=1e-9) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)
